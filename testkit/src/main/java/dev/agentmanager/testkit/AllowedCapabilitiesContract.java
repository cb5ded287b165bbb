package dev.agentmanager.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Capability;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Durable state a store keeps and returns but never enforces: an agent's allowed capabilities, the scope of the
 * token it registered with, through registration, re-enrollment and updates.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class AllowedCapabilitiesContract extends StoreContract {

    /** A contract over the stores {@code factory} makes, one fresh store per test. */
    protected AllowedCapabilitiesContract(StoreFactory factory) {
        super(factory);
    }

    @Nested
    @DisplayName("allowed capabilities (the token's scope kept on the agent)")
    class AllowedCapabilities {

        private Agent registerScoped(String agentId, String... allowed) {
            AgentCertificate cert = TestAgents.certificate(agentId, T0);
            Agent agent = TestAgents.agent(agentId, T0)
                    .certificate(cert.pin())
                    .capabilities(Capability.of("deploy-linux", "1.0"))
                    .allowedCapabilities(allowed)
                    .build();
            return register(new TestAgents.NewAgent(agent, cert));
        }

        @Test
        void registrationStoresTheAllowedSetAndEveryReadReturnsIt() {
            Agent registered = registerScoped("agent-001", "deploy-linux", "docker");

            assertThat(registered.allowedCapabilities()).containsExactlyInAnyOrder("deploy-linux", "docker");
            assertThat(stored("agent-001").allowedCapabilities()).containsExactlyInAnyOrder("deploy-linux", "docker");
            assertThat(store.findAgentByThumbprint(registered.certificate().thumbprint())
                            .orElseThrow()
                            .allowedCapabilities())
                    .containsExactlyInAnyOrder("deploy-linux", "docker");
            assertThat(store.findAgents(
                            AgentQuery.builder().capability("deploy-linux").build()))
                    .singleElement()
                    .extracting(Agent::allowedCapabilities)
                    .isEqualTo(Set.of("deploy-linux", "docker"));
        }

        @Test
        void anEmptyAllowedSetStaysEmpty() {
            Agent registered = register("agent-001");
            assertThat(registered.allowedCapabilities()).isEmpty();

            Agent updated = store.updateAgent(
                            registered.withCapabilities(Set.of(Capability.of("anything", "9"))), registered.version())
                    .orElseThrow();

            assertThat(updated.allowedCapabilities()).isEmpty();
            assertThat(stored("agent-001").allowedCapabilities()).isEmpty();
            assertThat(stored("agent-001").capabilities()).containsExactly(Capability.of("anything", "9"));
        }

        @Test
        void updatesKeepTheAllowedSet() {
            Agent registered = registerScoped("agent-001", "deploy-linux", "docker");

            Agent updated = store.updateAgent(
                            registered
                                    .withStatus(AgentStatus.ACTIVE, null, at(5))
                                    .withCapabilities(Set.of(Capability.of("docker", "24.0"))),
                            registered.version())
                    .orElseThrow();

            assertThat(updated.allowedCapabilities()).containsExactlyInAnyOrder("deploy-linux", "docker");
            assertThat(stored("agent-001")).isEqualTo(updated);
            assertThat(stored("agent-001").capabilities()).containsExactly(Capability.of("docker", "24.0"));
            assertThat(changeStatus(updated, AgentStatus.INACTIVE).allowedCapabilities())
                    .containsExactlyInAnyOrder("deploy-linux", "docker");
            assertThat(stored("agent-001").allowedCapabilities()).containsExactlyInAnyOrder("deploy-linux", "docker");
        }

        @Test
        void anUpdateWritesTheAllowedSetItIsGiven() {
            Agent registered = registerScoped("agent-001", "deploy-linux");
            Agent widened = new Agent(
                    registered.id(),
                    registered.name(),
                    registered.status(),
                    registered.inactiveReason(),
                    registered.capabilities(),
                    Set.of("deploy-linux", "deploy-windows"),
                    registered.labels(),
                    registered.agentVersion(),
                    registered.health(),
                    registered.certificate(),
                    registered.nextCertificate(),
                    registered.registeredAt(),
                    registered.statusChangedAt(),
                    registered.registrationTokenId(),
                    registered.version(),
                    registered.liveness());

            store.updateAgent(widened, registered.version()).orElseThrow();

            assertThat(stored("agent-001").allowedCapabilities())
                    .containsExactlyInAnyOrder("deploy-linux", "deploy-windows");
        }

        @Test
        void agentsWithEqualCapabilitiesButOtherScopesKeepTheirOwn() {
            registerScoped("agent-001", "deploy-linux");
            registerScoped("agent-002", "deploy-linux", "docker");
            registerScoped("agent-003");

            assertThat(stored("agent-001").allowedCapabilities()).containsExactly("deploy-linux");
            assertThat(stored("agent-002").allowedCapabilities()).containsExactlyInAnyOrder("deploy-linux", "docker");
            assertThat(stored("agent-003").allowedCapabilities()).isEmpty();
            assertThat(stored("agent-001").capabilities())
                    .isEqualTo(stored("agent-003").capabilities());
        }

        @Test
        void reenrollmentKeepsTheAllowedSet() {
            Agent agent = registerScoped("agent-001", "deploy-linux");
            store.insertToken(TestAgents.oneTimeToken("tok-re-001", at(7000)));
            AgentCertificate cert = TestAgents.certificate("agent-001", at(7200));

            Agent result = store.reenrollAgent(
                            "tok-re-001",
                            TestAgents.redemption("agent-001", at(7200)),
                            at(7200),
                            agent.withCertificates(cert.pin(), null),
                            agent.version(),
                            cert)
                    .orElseThrow();

            assertThat(result.allowedCapabilities()).containsExactly("deploy-linux");
            assertThat(stored("agent-001").allowedCapabilities()).containsExactly("deploy-linux");
        }
    }
}
