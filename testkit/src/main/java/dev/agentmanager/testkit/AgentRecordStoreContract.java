package dev.agentmanager.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentHealth;
import dev.agentmanager.model.AgentLiveness;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Capability;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.spi.HeartbeatWrite;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@link dev.agentmanager.spi.AgentRecordStore} role: reading and querying agents (keyset paging, status,
 * capability versions, labels) and optimistic updates of their durable state.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class AgentRecordStoreContract extends StoreContract {

    /** A contract over the stores {@code factory} makes, one fresh store per test. */
    protected AgentRecordStoreContract(StoreFactory factory) {
        super(factory);
    }

    @Nested
    @DisplayName("reading agents")
    class AgentReads {

        @Test
        void unknownAgentIsEmpty() {
            register("agent-001");

            assertThat(store.findAgent("agent-002")).isEmpty();
            assertThat(store.findAgentByThumbprint("00".repeat(32))).isEmpty();
        }

        @Test
        void findsByCurrentAndNextThumbprint() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            register(a);
            register("agent-002");
            AgentCertificate renewal = TestAgents.certificate("agent-001", at(3600));
            store.insertCertificate(renewal);

            Agent updated = store.updateAgent(
                            stored("agent-001").withCertificates(a.certificate().pin(), renewal.pin()), 1)
                    .orElseThrow();

            assertThat(store.findAgentByThumbprint(a.certificate().thumbprint()))
                    .contains(updated);
            assertThat(store.findAgentByThumbprint(renewal.thumbprint())).contains(updated);
        }

        @Test
        void promotedCertificateReplacesTheOldThumbprint() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            register(a);
            AgentCertificate renewal = TestAgents.certificate("agent-001", at(3600));
            store.insertCertificate(renewal);
            Agent withNext = store.updateAgent(
                            stored("agent-001").withCertificates(a.certificate().pin(), renewal.pin()), 1)
                    .orElseThrow();

            Agent promoted = store.updateAgent(withNext.withCertificates(renewal.pin(), null), withNext.version())
                    .orElseThrow();

            assertThat(store.findAgentByThumbprint(a.certificate().thumbprint()))
                    .isEmpty();
            assertThat(store.findAgentByThumbprint(renewal.thumbprint())).contains(promoted);
            assertThat(promoted.certificate()).isEqualTo(renewal.pin());
            assertThat(promoted.nextCertificate()).isNull();
        }

        @Test
        void droppedNextCertificateNoLongerFindsTheAgent() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            register(a);
            AgentCertificate renewal = TestAgents.certificate("agent-001", at(3600));
            Agent withNext = store.updateAgent(
                            stored("agent-001").withCertificates(a.certificate().pin(), renewal.pin()), 1)
                    .orElseThrow();

            store.updateAgent(withNext.withCertificates(a.certificate().pin(), null), withNext.version())
                    .orElseThrow();

            assertThat(store.findAgentByThumbprint(renewal.thumbprint())).isEmpty();
            assertThat(store.findAgentByThumbprint(a.certificate().thumbprint()))
                    .isPresent();
        }

        @Test
        void revokedAgentIsStillFoundByThumbprint() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            Agent registered = register(a);
            Agent revoked = changeStatus(registered, AgentStatus.REVOKED);

            assertThat(store.findAgentByThumbprint(a.certificate().thumbprint()))
                    .contains(revoked);
        }

        @Test
        void readsMergeTheLatestLiveness() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            register(a);
            AgentLiveness liveness = new AgentLiveness(at(5), 7, 3, at(95), Duration.ofMillis(-250));

            assertThat(store.recordHeartbeat("agent-001", 1, 7, 3, at(5), at(95), Duration.ofMillis(-250)))
                    .isEqualTo(HeartbeatWrite.ACCEPTED_NEW_EPOCH);

            Agent expected = a.agent().withLiveness(liveness);
            assertThat(store.findAgent("agent-001")).contains(expected);
            assertThat(store.findAgentByThumbprint(a.certificate().thumbprint()))
                    .contains(expected);
            assertThat(store.findAgents(AgentQuery.all())).containsExactly(expected);
        }
    }

    @Nested
    @DisplayName("querying agents")
    class AgentQueries {

        @BeforeEach
        void fleet() {
            // a1: ACTIVE, docker 1.9 + compose, env=prod region=eu
            // a2: PENDING, docker 1.10, env=prod region=us
            // a3: INACTIVE(OPERATOR), docker (no version), env=test
            // a4: REVOKED, podman 4.0, no labels
            // a5..a7: PENDING, no capabilities, env=dev
            List<Agent> agents = new ArrayList<>();
            agents.add(TestAgents.agent("agent-a1", T0)
                    .capabilities(Capability.of("docker", "1.9"), Capability.of("compose", "2.24"))
                    .labels(Map.of("env", "prod", "region", "eu"))
                    .build());
            agents.add(TestAgents.agent("agent-a2", T0)
                    .capabilities(Capability.of("docker", "1.10"))
                    .labels(Map.of("env", "prod", "region", "us"))
                    .build());
            agents.add(TestAgents.agent("agent-a3", T0)
                    .capabilities(Capability.of("docker"))
                    .labels(Map.of("env", "test"))
                    .build());
            agents.add(TestAgents.agent("agent-a4", T0)
                    .capabilities(Capability.of("podman", "4.0"))
                    .labels(Map.of())
                    .build());
            for (int i = 5; i <= 7; i++) {
                agents.add(TestAgents.agent("agent-a" + i, T0)
                        .capabilities(Set.of())
                        .labels(Map.of("env", "dev"))
                        .build());
            }
            Collections.shuffle(agents, new Random(42));
            for (Agent agent : agents) {
                AgentCertificate cert = TestAgents.certificate(
                        agent.id(),
                        agent.certificate().serial(),
                        T0,
                        agent.certificate().notAfter());
                register(new TestAgents.NewAgent(agent.withCertificates(cert.pin(), null), cert));
            }
            changeStatus(stored("agent-a1"), AgentStatus.ACTIVE);
            Agent a3 = stored("agent-a3");
            store.updateAgent(a3.withStatus(AgentStatus.INACTIVE, InactiveReason.OPERATOR, at(1)), a3.version())
                    .orElseThrow();
            changeStatus(stored("agent-a4"), AgentStatus.REVOKED);
        }

        private List<String> query(AgentQuery.Builder query) {
            return ids(store.findAgents(query.build()));
        }

        @Test
        void allAgentsOrderedById() {
            assertThat(query(AgentQuery.builder()))
                    .containsExactly(
                            "agent-a1", "agent-a2", "agent-a3", "agent-a4", "agent-a5", "agent-a6", "agent-a7");
        }

        @Test
        void byStatus() {
            assertThat(query(AgentQuery.builder().status(AgentStatus.ACTIVE))).containsExactly("agent-a1");
            assertThat(query(AgentQuery.builder().status(AgentStatus.REVOKED))).containsExactly("agent-a4");
            assertThat(query(AgentQuery.builder().status(AgentStatus.ACTIVE, AgentStatus.INACTIVE)))
                    .containsExactly("agent-a1", "agent-a3");
            assertThat(query(AgentQuery.builder().status(AgentStatus.PENDING)))
                    .containsExactly("agent-a2", "agent-a5", "agent-a6", "agent-a7");
        }

        @Test
        void byCapabilityName() {
            assertThat(query(AgentQuery.builder().capability("docker")))
                    .containsExactly("agent-a1", "agent-a2", "agent-a3");
            assertThat(query(AgentQuery.builder().capability("compose"))).containsExactly("agent-a1");
            assertThat(query(AgentQuery.builder().capability("kubectl"))).isEmpty();
        }

        @Test
        void byCapabilityMinimumVersionComparesNumerically() {
            assertThat(query(AgentQuery.builder().capability("docker", "1.10"))).containsExactly("agent-a2");
            assertThat(query(AgentQuery.builder().capability("docker", "1.9")))
                    .as("1.10 > 1.9 and 1.9 >= 1.9; a versionless capability never satisfies a minimum")
                    .containsExactly("agent-a1", "agent-a2");
            assertThat(query(AgentQuery.builder().capability("docker", "1.9.1")))
                    .containsExactly("agent-a2");
            assertThat(query(AgentQuery.builder().capability("docker", "2"))).isEmpty();
            assertThat(query(AgentQuery.builder().capability("podman", "4"))).containsExactly("agent-a4");
        }

        @Test
        void byLabels() {
            assertThat(query(AgentQuery.builder().label("env", "prod"))).containsExactly("agent-a1", "agent-a2");
            assertThat(query(AgentQuery.builder().label("env", "prod").label("region", "us")))
                    .containsExactly("agent-a2");
            assertThat(query(AgentQuery.builder().label("region", "ap"))).isEmpty();
            assertThat(query(AgentQuery.builder().label("env", "dev")))
                    .containsExactly("agent-a5", "agent-a6", "agent-a7");
        }

        @Test
        void criteriaCombine() {
            assertThat(query(AgentQuery.builder()
                            .status(AgentStatus.ACTIVE, AgentStatus.PENDING)
                            .capability("docker")))
                    .containsExactly("agent-a1", "agent-a2");
            assertThat(query(AgentQuery.builder()
                            .status(AgentStatus.PENDING)
                            .label("env", "prod")
                            .capability("docker", "1.0")))
                    .containsExactly("agent-a2");
            assertThat(query(AgentQuery.builder().status(AgentStatus.ACTIVE).label("env", "test")))
                    .isEmpty();
        }

        @Test
        void limitAndAfterIdPage() {
            assertThat(query(AgentQuery.builder().limit(3))).containsExactly("agent-a1", "agent-a2", "agent-a3");
            assertThat(query(AgentQuery.builder().limit(3).afterId("agent-a3")))
                    .containsExactly("agent-a4", "agent-a5", "agent-a6");
            assertThat(query(AgentQuery.builder().limit(3).afterId("agent-a6"))).containsExactly("agent-a7");
            assertThat(query(AgentQuery.builder().afterId("agent-a35"))).startsWith("agent-a4");
            assertThat(query(AgentQuery.builder().afterId("agent-a7"))).isEmpty();
        }

        @Test
        void filteredPagesCoverEveryMatchOnce() {
            AgentQuery q =
                    AgentQuery.builder().status(AgentStatus.PENDING).limit(1).build();
            List<String> seen = new ArrayList<>();
            List<Agent> page = store.findAgents(q);
            while (!page.isEmpty()) {
                assertThat(page).hasSize(1);
                assertThat(seen)
                        .as("pages so far")
                        .hasSizeLessThan(4)
                        .doesNotContain(page.get(0).id());
                seen.add(page.get(0).id());
                page = store.findAgents(q.after(page.get(0).id()));
            }
            assertThat(seen).containsExactly("agent-a2", "agent-a5", "agent-a6", "agent-a7");
        }

        @Test
        void queriesSeeUpdatedCapabilitiesAndLabels() {
            Agent a3 = stored("agent-a3");
            Agent changed = withLabels(
                    a3.withCapabilities(Set.of(Capability.of("podman", "5.1"))), Map.of("env", "prod", "region", "ap"));
            store.updateAgent(changed, a3.version()).orElseThrow();

            assertThat(query(AgentQuery.builder().capability("docker"))).containsExactly("agent-a1", "agent-a2");
            assertThat(query(AgentQuery.builder().capability("podman", "5"))).containsExactly("agent-a3");
            assertThat(query(AgentQuery.builder().label("env", "test"))).isEmpty();
            assertThat(query(AgentQuery.builder().label("env", "prod")))
                    .containsExactly("agent-a1", "agent-a2", "agent-a3");
        }

        @Test
        void queriesSeeStatusChanges() {
            changeStatus(stored("agent-a5"), AgentStatus.ACTIVE);

            assertThat(query(AgentQuery.builder().status(AgentStatus.ACTIVE))).containsExactly("agent-a1", "agent-a5");
            assertThat(query(AgentQuery.builder().status(AgentStatus.PENDING)))
                    .containsExactly("agent-a2", "agent-a6", "agent-a7");
        }

        @Test
        void countsPerStatus() {
            assertThat(store.countAgents(AgentStatus.ACTIVE)).isEqualTo(1);
            assertThat(store.countAgents(AgentStatus.PENDING)).isEqualTo(4);
            assertThat(store.countAgents(AgentStatus.INACTIVE)).isEqualTo(1);
            assertThat(store.countAgents(AgentStatus.REVOKED)).isEqualTo(1);

            changeStatus(stored("agent-a5"), AgentStatus.ACTIVE);
            changeStatus(stored("agent-a1"), AgentStatus.REVOKED);

            assertThat(store.countAgents(AgentStatus.ACTIVE)).isEqualTo(1);
            assertThat(store.countAgents(AgentStatus.PENDING)).isEqualTo(3);
            assertThat(store.countAgents(AgentStatus.REVOKED)).isEqualTo(2);
        }
    }

    @Nested
    @DisplayName("optimistic updates")
    class OptimisticUpdates {

        @Test
        void writesDurableStateWithTheNextVersion() {
            Agent registered = register("agent-001");
            Agent desired = registered
                    .withStatus(AgentStatus.ACTIVE, null, at(3))
                    .withCapabilities(Set.of(Capability.of("kubectl", "1.29")))
                    .withReport(AgentHealth.DEGRADED, "2.0.0");

            Optional<Agent> result = store.updateAgent(desired, 1);

            Agent expected = desired.withVersion(2);
            assertThat(result).contains(expected);
            assertThat(store.findAgent("agent-001")).contains(expected);
        }

        @Test
        void ignoresTheLivenessOfTheArgumentAndReturnsTheCurrentOne() {
            register("agent-001");
            store.recordHeartbeat("agent-001", 1, 1, 5, at(10), at(100), null);
            Agent current = stored("agent-001");
            AgentLiveness bogus = new AgentLiveness(at(999), 99, 99, at(99_999), Duration.ofSeconds(9));

            Agent result = store.updateAgent(
                            current.withStatus(AgentStatus.ACTIVE, null, at(10)).withLiveness(bogus), 1)
                    .orElseThrow();

            assertThat(result.liveness()).isEqualTo(current.liveness());
            assertThat(stored("agent-001").liveness()).isEqualTo(current.liveness());
            assertThat(result.status()).isEqualTo(AgentStatus.ACTIVE);
        }

        @Test
        void staleVersionWritesNothing() {
            Agent v1 = register("agent-001");
            Agent v2 = store.updateAgent(v1.withReport(AgentHealth.HEALTHY, "1.1.0"), 1)
                    .orElseThrow();

            assertThat(store.updateAgent(v1.withReport(AgentHealth.UNHEALTHY, "9.9.9"), 1))
                    .isEmpty();
            assertThat(store.updateAgent(v1.withReport(AgentHealth.UNHEALTHY, "9.9.9"), 3))
                    .as("future version")
                    .isEmpty();

            assertThat(store.findAgent("agent-001")).contains(v2);
        }

        @Test
        void unknownAgentIsEmptyAndCreatesNothing() {
            Agent ghost = TestAgents.newAgent("agent-404", T0).agent();

            assertThat(store.updateAgent(ghost, 1)).isEmpty();
            assertThat(store.findAgent("agent-404")).isEmpty();
            assertThat(store.findAgentByThumbprint(ghost.certificate().thumbprint()))
                    .isEmpty();
        }

        @Test
        void versionsKeepCounting() {
            Agent a = register("agent-001");
            for (int i = 0; i < 5; i++) {
                a = store.updateAgent(
                                a.withReport(i % 2 == 0 ? AgentHealth.HEALTHY : AgentHealth.DEGRADED, null),
                                a.version())
                        .orElseThrow();
            }
            assertThat(a.version()).isEqualTo(6);
            assertThat(stored("agent-001").version()).isEqualTo(6);
        }

        @Test
        @Timeout(60)
        void ofRacingUpdatesWithOneVersionExactlyOneWins() {
            Agent v1 = register("agent-001");
            int threads = 16;

            List<Optional<Agent>> results = race(
                    threads, i -> () -> store.updateAgent(v1.withCapabilities(Set.of(Capability.of("cap-" + i))), 1));

            List<Agent> winners = results.stream().flatMap(Optional::stream).toList();
            assertThat(winners).hasSize(1);
            assertThat(stored("agent-001")).isEqualTo(winners.get(0));
            assertThat(winners.get(0).version()).isEqualTo(2);
        }

        @Test
        @Timeout(60)
        void anUpdateNeverLosesARacingHeartbeat() {
            int agents = 40;
            for (int i = 0; i < agents; i++) {
                register(String.format("agent-%03d", i));
            }
            for (int i = 0; i < agents; i++) {
                String id = String.format("agent-%03d", i);
                Agent v1 = stored(id);
                List<Object> results = race(
                        2,
                        t -> () -> t == 0
                                ? store.recordHeartbeat(id, 1, 1, 1, at(10), at(100), null)
                                : store.updateAgent(v1.withStatus(AgentStatus.ACTIVE, null, at(10)), 1));
                HeartbeatWrite hb = (HeartbeatWrite) results.get(0);
                assertThat((Optional<?>) results.get(1)).as("update of " + id).isPresent();
                Agent after = stored(id);
                assertThat(after.status()).isEqualTo(AgentStatus.ACTIVE);
                if (accepted(hb)) {
                    assertThat(after.liveness().sequence())
                            .as("heartbeat of " + id + " kept")
                            .isEqualTo(1);
                    assertThat(after.liveness().deadline()).isEqualTo(at(100));
                } else {
                    assertThat(hb).isEqualTo(HeartbeatWrite.VERSION_CHANGED);
                    assertThat(after.liveness().sequence()).isEqualTo(AgentLiveness.NO_SEQUENCE);
                }
            }
        }
    }
}
