package dev.agentmanager.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.event.HeartbeatRejection;
import dev.agentmanager.exception.CapabilityNotAllowedException;
import dev.agentmanager.exception.CertificateMismatchException;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Capability;
import dev.agentmanager.model.CreatedRegistrationToken;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationTokenRequest;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A registration token's allowed capabilities bind the agent for good: not only its registration but every
 * later heartbeat, and a re-enrollment does not lift them.
 */
class CapabilityScopeTest {
    private static final Capability LINUX = Capability.of("deploy-linux", "1.0");
    private static final Capability WINDOWS = Capability.of("deploy-windows", "1.0");

    private final Fleet fleet = new Fleet();

    private Registration registerScoped(String name, String... allowed) {
        CreatedRegistrationToken token = fleet.manager.createToken(
                RegistrationTokenRequest.builder().allowCapabilities(allowed).build());
        return fleet.manager.register(fleet.request(token.plaintext(), name)
                .capability("deploy-linux", "1.0")
                .build());
    }

    private Heartbeat declaring(Registration r, long sequence, Capability... capabilities) {
        return Heartbeat.builder(r.agent().id(), r.certificate().thumbprint())
                .bootEpoch(1)
                .sequence(sequence)
                .capabilities(Set.of(capabilities))
                .build();
    }

    @Test
    void registrationKeepsTheTokensAllowedCapabilitiesOnTheAgent() {
        Registration r = registerScoped("linux-01", "deploy-linux", "docker");

        assertThat(r.agent().allowedCapabilities()).containsExactlyInAnyOrder("deploy-linux", "docker");
        assertThat(fleet.agent(r.agent().id()).allowedCapabilities())
                .containsExactlyInAnyOrder("deploy-linux", "docker");
        assertThat(fleet.events.single(AgentEvent.AgentRegistered.class).agent().allowedCapabilities())
                .containsExactlyInAnyOrder("deploy-linux", "docker");
    }

    @Test
    void aRegistrationOutsideTheScopeIsRefusedWithATypedErrorAndBurnsNothing() {
        CreatedRegistrationToken token = fleet.manager.createToken(RegistrationTokenRequest.builder()
                .allowCapabilities("deploy-linux")
                .build());

        assertThatThrownBy(() -> fleet.manager.register(fleet.request(token.plaintext(), "w")
                        .capability("deploy-windows", "1.0")
                        .build()))
                .isInstanceOf(CapabilityNotAllowedException.class)
                .isInstanceOf(InvalidRequestException.class)
                .satisfies(e -> {
                    CapabilityNotAllowedException c = (CapabilityNotAllowedException) e;
                    assertThat(c.capability()).isEqualTo("deploy-windows");
                    assertThat(c.agentId()).isNull();
                    assertThat(c.allowedCapabilities()).containsExactly("deploy-linux");
                    assertThat(c.field()).isEqualTo("capabilities");
                });
        assertThat(fleet.manager.findToken(token.token().id()).orElseThrow().uses())
                .isZero();
        assertThat(fleet.manager.findAgents(AgentQuery.all())).isEmpty();
    }

    @Test
    void aHeartbeatDeclaringADisallowedCapabilityIsRejectedAndChangesNothing() {
        Registration r = registerScoped("linux-01", "deploy-linux");
        String id = r.agent().id();
        fleet.beat(r); // sequence 1: ACTIVE
        fleet.clock.advance(Duration.ofSeconds(30));
        Agent before = fleet.agent(id);
        fleet.events.clear();

        assertThatThrownBy(() -> fleet.manager.heartbeatProcessor().process(declaring(r, 2, LINUX, WINDOWS)))
                .isInstanceOf(CapabilityNotAllowedException.class)
                .satisfies(e -> {
                    CapabilityNotAllowedException c = (CapabilityNotAllowedException) e;
                    assertThat(c.capability()).isEqualTo("deploy-windows");
                    assertThat(c.agentId()).isEqualTo(id);
                    assertThat(c.allowedCapabilities()).containsExactly("deploy-linux");
                });

        assertThat(fleet.events.single(AgentEvent.HeartbeatRejected.class).reason())
                .isEqualTo(HeartbeatRejection.CAPABILITY_NOT_ALLOWED);
        assertThat(fleet.events.count(AgentEvent.CapabilitiesChanged.class)).isZero();
        assertThat(fleet.agent(id)).as("durable state and liveness untouched").isEqualTo(before);
        assertThat(fleet.manager.findAgents(
                        AgentQuery.builder().capability("deploy-windows").build()))
                .isEmpty();
        // nothing was recorded, not even the sequence: the same sequence number is still new
        fleet.manager
                .heartbeatProcessor()
                .process(Heartbeat.of(id, r.certificate().thumbprint(), 1, 2));
        assertThat(fleet.agent(id).liveness().sequence()).isEqualTo(2);
        assertThat(fleet.agent(id).capabilities()).containsExactly(LINUX);
    }

    @Test
    void aFirstHeartbeatOutsideTheScopeDoesNotActivateTheAgent() {
        Registration r = registerScoped("linux-01", "deploy-linux");
        Agent registered = fleet.agent(r.agent().id());

        assertThatThrownBy(() -> fleet.manager.heartbeatProcessor().process(declaring(r, 1, WINDOWS)))
                .isInstanceOf(CapabilityNotAllowedException.class);

        assertThat(fleet.agent(r.agent().id())).isEqualTo(registered);
        assertThat(fleet.agent(r.agent().id()).status()).isEqualTo(AgentStatus.PENDING);
        assertThat(fleet.events.count(AgentEvent.AgentActivated.class)).isZero();
    }

    @Test
    void theAgentMustAuthenticateBeforeItsCapabilitiesAreLookedAt() {
        Registration r = registerScoped("linux-01", "deploy-linux");
        Heartbeat forged = Heartbeat.builder(r.agent().id(), "ab".repeat(32))
                .bootEpoch(1)
                .sequence(1)
                .capabilities(Set.of(WINDOWS))
                .build();

        assertThatThrownBy(() -> fleet.manager.heartbeatProcessor().process(forged))
                .isInstanceOf(CertificateMismatchException.class);
        assertThat(fleet.events.single(AgentEvent.HeartbeatRejected.class).reason())
                .isEqualTo(HeartbeatRejection.CERTIFICATE_MISMATCH);
    }

    @Test
    void changesWithinTheScopeAreAccepted() {
        Registration r = registerScoped("linux-01", "deploy-linux", "docker");
        String id = r.agent().id();
        fleet.beat(r);

        fleet.manager
                .heartbeatProcessor()
                .process(declaring(r, 2, Capability.of("deploy-linux", "2.0"), Capability.of("docker", "25.0")));

        Agent agent = fleet.agent(id);
        assertThat(agent.capabilities())
                .containsExactlyInAnyOrder(Capability.of("deploy-linux", "2.0"), Capability.of("docker", "25.0"));
        assertThat(agent.allowedCapabilities()).containsExactlyInAnyOrder("deploy-linux", "docker");
        assertThat(fleet.events.single(AgentEvent.CapabilitiesChanged.class).current())
                .contains(Capability.of("docker", "25.0"));
        assertThat(fleet.events.count(AgentEvent.HeartbeatRejected.class)).isZero();

        fleet.manager.heartbeatProcessor().process(declaring(r, 3)); // dropping every capability is within it
        assertThat(fleet.agent(id).capabilities()).isEmpty();
    }

    @Test
    void anUnscopedTokenAllowsAnyCapability() {
        Registration r = fleet.register("anything-01"); // a one-time token without scope
        String id = r.agent().id();
        assertThat(r.agent().allowedCapabilities()).isEmpty();

        fleet.manager.heartbeatProcessor().process(declaring(r, 1, WINDOWS, Capability.of("gpu", "12.4")));

        assertThat(fleet.agent(id).capabilities()).containsExactlyInAnyOrder(WINDOWS, Capability.of("gpu", "12.4"));
        assertThat(fleet.agent(id).allowedCapabilities()).isEmpty();
        assertThat(fleet.agent(id).status()).isEqualTo(AgentStatus.ACTIVE);
    }

    @Test
    void reenrollmentKeepsTheScope() {
        Registration first = registerScoped("linux-01", "deploy-linux");
        String id = first.agent().id();
        fleet.beat(first);
        fleet.clock.advance(fleet.ca.lifetime().plus(Duration.ofHours(1))); // offline past its certificate

        CreatedRegistrationToken token = fleet.manager.createToken(RegistrationTokenRequest.reenroll(id, "back"));
        Registration again = fleet.manager.register(
                fleet.request(token.plaintext(), "linux-01 again").build());

        assertThat(again.agent().id()).isEqualTo(id);
        assertThat(again.agent().allowedCapabilities()).containsExactly("deploy-linux");
        assertThat(fleet.agent(id).allowedCapabilities()).containsExactly("deploy-linux");
        long seq = fleet.nextSeq(id);
        assertThatThrownBy(() -> fleet.manager.heartbeatProcessor().process(declaring(again, seq, WINDOWS)))
                .isInstanceOf(CapabilityNotAllowedException.class);
        fleet.manager.heartbeatProcessor().process(declaring(again, seq, Capability.of("deploy-linux", "3.0")));
        assertThat(fleet.agent(id).capabilities()).containsExactly(Capability.of("deploy-linux", "3.0"));
    }
}
