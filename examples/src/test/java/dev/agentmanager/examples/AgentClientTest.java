package dev.agentmanager.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.AgentManager;
import dev.agentmanager.event.AgentEventListener;
import dev.agentmanager.examples.demo.Api;
import dev.agentmanager.examples.demo.DemoOrchestrator;
import dev.agentmanager.examples.demo.JsonHttp;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.CreatedRegistrationToken;
import dev.agentmanager.model.RegistrationTokenRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's side against a real orchestrator (the demo's) over HTTPS and mutual TLS. */
class AgentClientTest {
    private static final List<Api.CapabilityView> DOCKER = List.of(new Api.CapabilityView("docker", "24.0"));

    @TempDir
    static Path serverDirectory;

    private static DemoOrchestrator orchestrator;

    @TempDir
    Path agentDirectory;

    @BeforeAll
    static void startOrchestrator() throws Exception {
        orchestrator =
                DemoOrchestrator.start(serverDirectory, DemoOrchestrator.Settings.demo(), AgentEventListener.NO_OP);
    }

    @AfterAll
    static void stopOrchestrator() {
        orchestrator.close();
    }

    private static AgentManager manager() {
        return orchestrator.manager();
    }

    private static CreatedRegistrationToken token(String name) {
        return manager().createToken(RegistrationTokenRequest.oneTime(name));
    }

    private static Agent agent(String id) {
        return manager().findAgent(id).orElseThrow();
    }

    @Test
    void registers_stores_its_identity_in_files_and_heartbeats_over_mutual_tls() throws Exception {
        CreatedRegistrationToken token = token("web-01");
        AgentClient client = AgentClient.register(
                orchestrator.enrollmentUrl(),
                token.plaintext(),
                token.trustAnchorSha256(),
                "web-01",
                DOCKER,
                agentDirectory);

        assertThat(agent(client.agentId()).status()).isEqualTo(AgentStatus.PENDING);
        Path key = agentDirectory.resolve(client.certificateSerial() + ".key.pem");
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
                .isEqualTo("rw-------");
        assertThat(agentDirectory.resolve(client.certificateSerial() + ".cert.pem"))
                .exists();
        assertThat(agentDirectory.resolve("ca-bundle.pem")).hasContent(orchestrator.trustBundlePem());

        AgentClient.Beat beat = client.heartbeat();
        assertThat(beat.reply().status()).isEqualTo("ACTIVE");
        assertThat(agent(client.agentId()).status()).isEqualTo(AgentStatus.ACTIVE);
        assertThat(agent(client.agentId()).capabilities())
                .extracting(c -> c.name())
                .containsExactly("docker");
    }

    @Test
    void restarts_from_its_files_with_a_new_boot_epoch() throws Exception {
        CreatedRegistrationToken token = token("web-02");
        AgentClient first = AgentClient.register(
                orchestrator.enrollmentUrl(),
                token.plaintext(),
                token.trustAnchorSha256(),
                "web-02",
                DOCKER,
                agentDirectory);
        first.heartbeat();
        first.heartbeat();

        AgentClient restarted = AgentClient.load(agentDirectory);
        assertThat(restarted.agentId()).isEqualTo(first.agentId());
        assertThat(restarted.heartbeat().reply().status()).isEqualTo("ACTIVE"); // sequence 1 of a new epoch
        assertThat(agent(first.agentId()).liveness().sequence()).isEqualTo(1);
    }

    @Test
    void renews_with_a_new_key_and_the_old_certificate_stops_working_once_the_new_one_is_used() throws Exception {
        CreatedRegistrationToken token = token("web-03");
        AgentClient client = AgentClient.register(
                orchestrator.enrollmentUrl(),
                token.plaintext(),
                token.trustAnchorSha256(),
                "web-03",
                DOCKER,
                agentDirectory);
        client.heartbeat();
        String oldSerial = client.certificateSerial();
        AgentClient oldIdentity = AgentClient.load(agentDirectory); // keeps the old key in memory

        client.renew();
        assertThat(client.certificateSerial()).isNotEqualTo(oldSerial);
        assertThat(agentDirectory.resolve(oldSerial + ".key.pem")).doesNotExist();
        assertThat(AgentClient.load(agentDirectory).certificateSerial()).isEqualTo(client.certificateSerial());
        assertThat(agent(client.agentId()).nextCertificate().serial()).isEqualTo(client.certificateSerial());

        client.heartbeat(); // presents the new one
        assertThat(agent(client.agentId()).certificate().serial()).isEqualTo(client.certificateSerial());
        assertThat(agent(client.agentId()).nextCertificate()).isNull();
        // Presenting the new certificate revoked the old one at the CA: its TLS handshake is refused now, before
        // any HTTP answer.
        assertThatThrownBy(oldIdentity::heartbeat)
                .isInstanceOf(java.io.IOException.class)
                .isNotInstanceOf(JsonHttp.Refused.class);
    }

    @Test
    void a_wrong_trust_pin_stops_registration_before_the_token_is_sent() throws Exception {
        CreatedRegistrationToken token = token("web-04");
        String wrongPin = "0".repeat(64);

        assertThatThrownBy(() -> AgentClient.register(
                        orchestrator.enrollmentUrl(), token.plaintext(), wrongPin, "web-04", DOCKER, agentDirectory))
                .isInstanceOf(SSLHandshakeException.class);
        assertThat(manager().findToken(token.token().id()).orElseThrow().uses()).isZero();

        AgentClient client = AgentClient.register(
                orchestrator.enrollmentUrl(),
                token.plaintext(),
                token.trustAnchorSha256(),
                "web-04",
                DOCKER,
                agentDirectory); // the token still works
        assertThat(agent(client.agentId()).name()).isEqualTo("web-04");
    }

    @Test
    void a_used_token_is_refused_with_401() throws Exception {
        CreatedRegistrationToken token = token("web-05");
        AgentClient.register(
                orchestrator.enrollmentUrl(),
                token.plaintext(),
                token.trustAnchorSha256(),
                "web-05",
                DOCKER,
                agentDirectory.resolve("first"));

        assertThatThrownBy(() -> AgentClient.register(
                        orchestrator.enrollmentUrl(),
                        token.plaintext(),
                        token.trustAnchorSha256(),
                        "web-05b",
                        DOCKER,
                        agentDirectory.resolve("second")))
                .isInstanceOfSatisfying(
                        JsonHttp.Refused.class, e -> assertThat(e.status()).isEqualTo(401));
        assertThat(agentDirectory.resolve("second")).doesNotExist();
    }
}
