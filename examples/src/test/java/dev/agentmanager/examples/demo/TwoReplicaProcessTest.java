package dev.agentmanager.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;

import dev.agentmanager.ca.bouncycastle.Pem;
import dev.agentmanager.examples.AgentClient;
import dev.agentmanager.examples.demo.Api.AgentView;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two orchestrator replicas as two JVM processes on one database and one CA, agents talking real mutual TLS
 * to them: enrol on one and heartbeat to the other, renew across replicas, a revocation on one refused in the
 * other's next handshake, and a replica killed with {@code kill -9} in the middle of heartbeats while the
 * other goes on serving every agent. On PostgreSQL and MariaDB; H2 is left out, as its multi-process mode
 * hands the database to whichever process opened it first, and killing that one tests H2's fail-over, not
 * the library.
 */
@Timeout(180)
class TwoReplicaProcessTest {
    private static final List<Api.CapabilityView> DOCKER = List.of(new Api.CapabilityView("docker", "24.0"));
    private static final long PROPAGATION_MS = 500;
    private static final List<String> TABLES = List.of(
            "token_redemptions",
            "agent_labels",
            "agent_capabilities",
            "agent_liveness",
            "certificates",
            "registration_tokens",
            "monitor_state",
            "sweep_lock",
            "agents");

    @TempDir
    Path dir;

    private static String url(String variable) {
        String url = System.getenv(variable);
        if (url == null || url.isBlank()) {
            if ("true".equalsIgnoreCase(System.getenv("AGENTMANAGER_TEST_REQUIRE_DATABASES"))) {
                fail(variable + " is not set but AGENTMANAGER_TEST_REQUIRE_DATABASES=true");
            }
            Assumptions.abort(variable + " is not set");
        }
        return url;
    }

    @ParameterizedTest
    @ValueSource(strings = {"AGENTMANAGER_TEST_POSTGRESQL_URL", "AGENTMANAGER_TEST_MARIADB_URL"})
    void agentsMoveBetweenReplicasAndARevocationOnOneBindsTheOther(String variable) throws Exception {
        String url = url(variable);
        String prefix = String.format("rp%08x_", ThreadLocalRandom.current().nextInt(1 << 30));
        String key = "operator-" + prefix;
        List<String> args = List.of(
                "--jdbc-url",
                url,
                "--table-prefix",
                prefix,
                "--ca-dir",
                dir.resolve("ca").toString(),
                "--operator-key",
                key,
                "--propagation-ms",
                String.valueOf(PROPAGATION_MS));
        try (ReplicaProcess a = new ReplicaProcess("A", args);
                ReplicaProcess b = new ReplicaProcess("B", args)) {
            HttpClient operator =
                    JsonHttp.client(trusting(Files.readString(dir.resolve("ca").resolve("ca-chain.pem"))));

            // enrol through A, heartbeat over mutual TLS to B
            AgentClient web = enrol(operator, a, key, "web", dir.resolve("web"));
            web.talkTo(b.agentUrl);
            assertThat(web.heartbeat().reply().status()).isEqualTo("ACTIVE");

            // renew through B, heartbeat with the new certificate through A
            String first = web.certificateSerial();
            web.renew();
            web.talkTo(a.agentUrl);
            web.heartbeat();
            assertThat(view(operator, b, key, "web").certificateSerial())
                    .isEqualTo(web.certificateSerial())
                    .isNotEqualTo(first);

            // revoke on B: A refuses the next handshake (a new connection, a full handshake)
            JsonHttp.post(
                    operator,
                    b.enrollmentUrl.resolve("/v1/agents/" + web.agentId() + "/revoke"),
                    key,
                    Map.of(),
                    AgentView.class);
            long revoked = System.nanoTime();
            AgentClient fresh = AgentClient.load(dir.resolve("web"));
            assertThatThrownBy(fresh::heartbeat)
                    .as("refused in the TLS handshake by A")
                    .isInstanceOf(IOException.class)
                    .isNotInstanceOf(JsonHttp.Refused.class);
            System.out.printf(
                    "handshake refused by A %.1f ms after revoke returned on B%n", (System.nanoTime() - revoked) / 1e6);

            // kill A in the middle of heartbeats: B serves every agent, no acknowledged change is lost
            List<AgentClient> fleet = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                AgentClient agent = enrol(operator, b, key, "node-" + i, dir.resolve("node-" + i));
                agent.talkTo(a.agentUrl);
                agent.heartbeat();
                fleet.add(agent);
            }
            fleet.get(0).renew(); // acknowledged by A before the kill
            AtomicBoolean beating = new AtomicBoolean(true);
            AtomicInteger acknowledged = new AtomicInteger();
            Thread beats = new Thread(() -> {
                while (beating.get()) {
                    for (AgentClient agent : fleet) {
                        try {
                            agent.heartbeat();
                            acknowledged.incrementAndGet();
                        } catch (IOException replicaGone) {
                            // A was killed
                        }
                    }
                }
            });
            beats.start();
            Thread.sleep(300);
            a.killHard();
            beating.set(false);
            beats.join(30_000);
            System.out.println("heartbeats acknowledged by A before the kill: " + acknowledged.get());

            for (AgentClient agent : fleet) {
                agent.talkTo(b.agentUrl);
                assertThat(agent.heartbeat().reply().status()).isEqualTo("ACTIVE");
                AgentView seen = view(operator, b, key, nameOf(fleet, agent));
                assertThat(seen.status()).isEqualTo("ACTIVE");
                assertThat(seen.certificateSerial()).isEqualTo(agent.certificateSerial());
            }
            assertThat(view(operator, b, key, "web").status()).isEqualTo("REVOKED");
        } finally {
            dropTables(url, prefix);
        }
    }

    private static String nameOf(List<AgentClient> fleet, AgentClient agent) {
        return "node-" + fleet.indexOf(agent);
    }

    private static AgentClient enrol(HttpClient operator, ReplicaProcess replica, String key, String name, Path home)
            throws IOException {
        Api.TokenCreated token = JsonHttp.post(
                operator,
                replica.enrollmentUrl.resolve("/v1/tokens"),
                key,
                new Api.TokenRequest("process test " + name, 600),
                Api.TokenCreated.class);
        return AgentClient.register(replica.enrollmentUrl, token.token(), token.trustPin(), name, DOCKER, home);
    }

    private static AgentView view(HttpClient operator, ReplicaProcess replica, String key, String name)
            throws IOException {
        for (AgentView agent :
                JsonHttp.get(operator, replica.enrollmentUrl.resolve("/v1/agents"), key, AgentView[].class)) {
            if (agent.name().equals(name)) {
                return agent;
            }
        }
        throw new AssertionError("no agent " + name + " on replica " + replica.name);
    }

    private static SSLContext trusting(String bundlePem) throws Exception {
        KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
        anchors.load(null, null);
        int i = 0;
        for (X509Certificate ca : Pem.readCertificates(bundlePem)) {
            anchors.setCertificateEntry("ca" + i++, ca);
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(anchors);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, factory.getTrustManagers(), null);
        return tls;
    }

    private static void dropTables(String url, String prefix) throws Exception {
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            for (String table : TABLES) {
                s.execute("DROP TABLE IF EXISTS " + prefix + table);
            }
        }
    }
}
