package dev.agentmanager.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.exception.AgentRevokedException;
import dev.agentmanager.exception.RegistrationTokenRejectedException;
import dev.agentmanager.exception.TokenRejectionReason;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.CertificateStatus;
import dev.agentmanager.model.CreatedRegistrationToken;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.testkit.FakeCertificateService;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The original feature description's end-to-end test plan, step by step, on core + in-memory store. */
class SeedPlanTest {
    private final Fleet fleet = new Fleet();

    @Test
    void generateATokenAndRegisterAnAgentWithACertificateIssued() {
        CreatedRegistrationToken token = fleet.manager.createToken(RegistrationTokenRequest.oneTime("web-01"));

        Registration registration = fleet.manager.register(fleet.request(token.plaintext(), "web-01")
                .capability("docker", "24.0")
                .build());

        assertThat(registration.agent().status()).isEqualTo(AgentStatus.PENDING);
        assertThat(registration.certificate().agentId())
                .isEqualTo(registration.agent().id());
        assertThat(registration.agent().certificate())
                .isEqualTo(registration.certificate().pin());
        assertThat(fleet.ca.issuedCount()).isEqualTo(1);
        assertThat(fleet.manager
                        .certificateValidity()
                        .check(registration.certificate().thumbprint()))
                .isEqualTo(CertificateStatus.CURRENT);
        assertThat(fleet.manager.certificates(registration.agent().id())).containsExactly(registration.certificate());
        assertThat(fleet.events.single(AgentEvent.CertificateIssued.class).serial())
                .isEqualTo(registration.certificate().serial());
        assertThat(fleet.events.single(AgentEvent.TokenConsumed.class).tokenId())
                .isEqualTo(token.token().id());
    }

    @Test
    void aHeartbeatMakesTheAgentActive() {
        Registration registration = fleet.register("web-01");

        var response = fleet.beat(registration);

        assertThat(response.status()).isEqualTo(AgentStatus.ACTIVE);
        assertThat(fleet.agent(registration.agent().id()).status()).isEqualTo(AgentStatus.ACTIVE);
        assertThat(fleet.events.single(AgentEvent.AgentActivated.class).previousStatus())
                .isEqualTo(AgentStatus.PENDING);
    }

    @Test
    void whenHeartbeatsStopTheMonitorMarksTheAgentInactive() {
        fleet.monitor().runOnce(); // first sweep: grace only
        Registration registration = fleet.register("web-01");
        fleet.beat(registration);

        fleet.sweepEverySecondFor(Duration.ofSeconds(60)); // as production does: a longer gap is a pause
        assertThat(fleet.agent(registration.agent().id()).status()).isEqualTo(AgentStatus.ACTIVE);

        fleet.sweepEverySecondFor(Duration.ofSeconds(31)); // 91 s after the last heartbeat

        assertThat(fleet.agent(registration.agent().id()).status()).isEqualTo(AgentStatus.INACTIVE);
        assertThat(fleet.agent(registration.agent().id()).inactiveReason()).isEqualTo(InactiveReason.MISSED_HEARTBEATS);
        assertThat(fleet.events.single(AgentEvent.AgentInactivated.class).reason())
                .isEqualTo(InactiveReason.MISSED_HEARTBEATS);

        fleet.beat(registration); // it comes back
        assertThat(fleet.agent(registration.agent().id()).status()).isEqualTo(AgentStatus.ACTIVE);
    }

    @Test
    void registerDeactivateAndRevokeThroughTheWholeLifecycle() {
        Registration registration = fleet.register("web-01");
        String id = registration.agent().id();
        fleet.beat(registration);

        assertThat(fleet.manager.deactivate(id).status()).isEqualTo(AgentStatus.INACTIVE);
        fleet.beat(registration); // heartbeats are still recorded, but do not reactivate
        assertThat(fleet.agent(id).inactiveReason()).isEqualTo(InactiveReason.OPERATOR);
        assertThat(fleet.agent(id).liveness().sequence()).isEqualTo(2);

        assertThat(fleet.manager.reactivate(id).status()).isEqualTo(AgentStatus.ACTIVE);

        assertThat(fleet.manager.revoke(id).status()).isEqualTo(AgentStatus.REVOKED);
        assertThat(fleet.manager
                        .certificateValidity()
                        .check(registration.certificate().thumbprint()))
                .isEqualTo(CertificateStatus.REVOKED);
        assertThatThrownBy(() -> fleet.beat(registration)).isInstanceOf(AgentRevokedException.class);
        assertThatThrownBy(() -> fleet.manager.reactivate(id)).isInstanceOf(AgentRevokedException.class);
        assertThat(fleet.events.events())
                .map(e -> e.getClass().getSimpleName())
                .containsSubsequence(
                        "AgentRegistered", "AgentActivated", "AgentInactivated", "AgentActivated", "AgentRevoked");
    }

    @Test
    void aReusedTokenIsRejected() {
        String token = fleet.oneTimeToken();
        fleet.manager.register(fleet.request(token, "first").build());

        assertThatThrownBy(() ->
                        fleet.manager.register(fleet.request(token, "second").build()))
                .isInstanceOf(RegistrationTokenRejectedException.class)
                .hasMessage(RegistrationTokenRejectedException.MESSAGE);
        assertThat(fleet.events.single(AgentEvent.RegistrationRejected.class).reason())
                .isEqualTo(TokenRejectionReason.USED);
        assertThat(fleet.ca.issuedCount()).isEqualTo(1);
        assertThat(fleet.manager.findAgents(dev.agentmanager.model.AgentQuery.all()))
                .hasSize(1);
        assertThat(FakeCertificateService.csrFor("second")).isNotEqualTo(FakeCertificateService.csrFor("first"));
    }
}
