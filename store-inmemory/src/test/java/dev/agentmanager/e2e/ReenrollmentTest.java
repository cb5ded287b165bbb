package dev.agentmanager.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.exception.AgentNotFoundException;
import dev.agentmanager.exception.AgentRevokedException;
import dev.agentmanager.exception.CertificateMismatchException;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.exception.RegistrationTokenRejectedException;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Capability;
import dev.agentmanager.model.CertificateStatus;
import dev.agentmanager.model.CreatedRegistrationToken;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationTokenRequest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** An agent whose certificate expired while it was offline is re-enrolled by an operator. */
class ReenrollmentTest {
    private final Fleet fleet = new Fleet();

    @Test
    void anExpiredAgentIsReenrolledKeepingItsIdentityAndCapabilities() {
        Registration first = fleet.register("web");
        String id = first.agent().id();
        fleet.beat(first);
        fleet.clock.advance(fleet.ca.lifetime().plus(Duration.ofHours(1))); // offline past its certificate
        assertThatThrownBy(() -> fleet.beat(first)).isInstanceOf(CertificateMismatchException.class);

        CreatedRegistrationToken token = fleet.manager.createToken(RegistrationTokenRequest.reenroll(id, "web back"));
        Registration again = fleet.manager.register(
                fleet.request(token.plaintext(), "ignored-name").build());

        assertThat(again.agent().id()).isEqualTo(id);
        assertThat(again.agent().name()).isEqualTo("web");
        assertThat(again.agent().capabilities()).containsExactly(Capability.of("docker", "24.0"));
        assertThat(again.agent().certificate()).isEqualTo(again.certificate().pin());
        assertThat(again.certificate().serial())
                .isNotEqualTo(first.certificate().serial());
        assertThat(fleet.manager.certificateValidity().check(first.certificate().thumbprint()))
                .isEqualTo(CertificateStatus.REVOKED);
        assertThat(fleet.events.single(AgentEvent.AgentReenrolled.class).revokedSerials())
                .containsExactly(first.certificate().serial());
        assertThat(fleet.manager.findAgents(AgentQuery.all())).hasSize(1);

        fleet.beat(id, again.certificate());
        Agent agent = fleet.agent(id);
        assertThat(agent.status()).isEqualTo(AgentStatus.ACTIVE);
        assertThat(fleet.manager.certificates(id)).hasSize(2);
        assertThat(fleet.manager.certificates(id))
                .as("the superseded record is revoked, the new one is not")
                .extracting(c -> c.serial(), c -> c.revokedAt() != null)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(first.certificate().serial(), true),
                        org.assertj.core.groups.Tuple.tuple(again.certificate().serial(), false));
        // one-time
        assertThatThrownBy(() -> fleet.manager.register(
                        fleet.request(token.plaintext(), "other").build()))
                .isInstanceOf(RegistrationTokenRejectedException.class);
    }

    @Test
    void reenrollmentTokensAreRefusedForUnknownOrRevokedAgentsAndCarryNoScope() {
        Registration web = fleet.register("web");
        assertThatThrownBy(() -> fleet.manager.createToken(RegistrationTokenRequest.reenroll("nobody", "x")))
                .isInstanceOf(AgentNotFoundException.class);
        assertThatThrownBy(() -> fleet.manager.createToken(RegistrationTokenRequest.builder()
                        .reenrollAgent(web.agent().id())
                        .label("env", "prod")
                        .build()))
                .isInstanceOf(InvalidRequestException.class);

        CreatedRegistrationToken token = fleet.manager.createToken(
                RegistrationTokenRequest.reenroll(web.agent().id(), "x"));
        fleet.manager.revoke(web.agent().id());

        assertThatThrownBy(() -> fleet.manager.register(
                        fleet.request(token.plaintext(), "web").build()))
                .isInstanceOf(AgentRevokedException.class);
        assertThat(fleet.manager.findToken(token.token().id()).orElseThrow().uses())
                .isZero();
        assertThatThrownBy(() -> fleet.manager.createToken(
                        RegistrationTokenRequest.reenroll(web.agent().id(), "y")))
                .isInstanceOf(AgentRevokedException.class);
    }
}
