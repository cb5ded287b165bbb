package dev.agentmanager.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentLiveness;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.spi.HeartbeatWrite;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@link dev.agentmanager.spi.LivenessStore} role, monitor side: finding overdue agents at a cost in
 * proportion to their number, expiring each exactly once (also against racing heartbeats), and bounded reads.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class OverdueAgentsContract extends StoreContract {

    /** A contract over the stores {@code factory} makes, one fresh store per test. */
    protected OverdueAgentsContract(StoreFactory factory) {
        super(factory);
    }

    @Nested
    @DisplayName("overdue agents")
    class OverdueAgents {

        private Set<String> overdue(Instant now, int limit) {
            List<Agent> found = store.findOverdue(now, limit);
            Set<String> ids = new HashSet<>(ids(found));
            assertThat(ids).as("no duplicates").hasSize(found.size());
            return ids;
        }

        @Test
        void onlyActiveAndPendingAgentsStrictlyPastTheirDeadline() {
            registerWithDeadline("agent-act", at(90), AgentStatus.ACTIVE);
            registerWithDeadline("agent-pen", at(90), AgentStatus.PENDING);
            registerWithDeadline("agent-ina", at(90), AgentStatus.INACTIVE);
            registerWithDeadline("agent-rev", at(90), AgentStatus.REVOKED);
            registerWithDeadline("agent-lat", at(91), AgentStatus.ACTIVE);

            assertThat(overdue(at(90), 100))
                    .as("deadline equal to now is not overdue")
                    .isEmpty();
            assertThat(overdue(at(90).plusMillis(1), 100)).containsExactlyInAnyOrder("agent-act", "agent-pen");
            assertThat(overdue(at(91).plusMillis(1), 100))
                    .containsExactlyInAnyOrder("agent-act", "agent-pen", "agent-lat");
        }

        @Test
        void returnsCurrentState() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);

            assertThat(store.findOverdue(at(100), 10)).containsExactly(a);
        }

        @Test
        void anAgentNotExpiredIsFoundAgain() {
            registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);

            assertThat(overdue(at(100), 10)).containsExactly("agent-001");
            assertThat(overdue(at(100), 10)).containsExactly("agent-001");
            assertThat(overdue(at(101), 10)).containsExactly("agent-001");
        }

        @Test
        void aHeartbeatTakesTheAgentOutUntilItsNewDeadline() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);
            assertThat(overdue(at(100), 10)).containsExactly("agent-001");

            store.recordHeartbeat("agent-001", a.version(), 1, 1, at(100), at(190), null);

            assertThat(overdue(at(101), 10)).isEmpty();
            assertThat(overdue(at(190), 10)).isEmpty();
            assertThat(overdue(at(191), 10)).containsExactly("agent-001");
        }

        @Test
        void aHeartbeatThatMovesTheDeadlineEarlierIsHonoured() {
            Agent a = registerWithDeadline("agent-001", at(900), AgentStatus.ACTIVE);

            store.recordHeartbeat("agent-001", a.version(), 1, 1, at(1), at(10), null);

            assertThat(overdue(at(20), 10)).containsExactly("agent-001");
        }

        @Test
        void anEarlierNowDoesNotReportLaterDeadlines() {
            registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);
            assertThat(overdue(at(100), 10)).containsExactly("agent-001");

            assertThat(overdue(at(50), 10)).as("clock stepped back").isEmpty();
            assertThat(overdue(at(95), 10)).containsExactly("agent-001");
        }

        @Test
        void honoursTheLimit() {
            for (int i = 0; i < 10; i++) {
                registerWithDeadline(String.format("agent-%03d", i), at(10 + i), AgentStatus.ACTIVE);
            }

            Set<String> some = overdue(at(100), 3);
            assertThat(some).hasSize(3);
            assertThat(overdue(at(100), 100)).hasSize(10).containsAll(some);
            assertThat(overdue(at(100), 1)).hasSize(1);
        }

        @Test
        void aBacklogDrainsInBatchesWhenExpired() {
            for (int i = 0; i < 25; i++) {
                registerWithDeadline(String.format("agent-%03d", i), at(10 + i), AgentStatus.ACTIVE);
            }
            Set<String> expired = new HashSet<>();
            for (int round = 0; round < 3; round++) {
                List<Agent> batch = store.findOverdue(at(100), 10);
                assertThat(batch).hasSize(round < 2 ? 10 : 5);
                for (Agent a : batch) {
                    assertThat(expired.add(a.id()))
                            .as("returned again after expiry: " + a.id())
                            .isTrue();
                    store.expireAgent(
                                    a.withStatus(AgentStatus.INACTIVE, InactiveReason.MISSED_HEARTBEATS, at(100)),
                                    a.version(),
                                    at(100))
                            .orElseThrow();
                }
            }
            assertThat(expired).hasSize(25);
            assertThat(store.findOverdue(at(100), 10)).isEmpty();
        }

        @Test
        void aBacklogSharingOneDeadlineDrainsInBatches() {
            for (int i = 0; i < 25; i++) {
                registerWithDeadline(String.format("agent-%03d", i), at(60), AgentStatus.ACTIVE);
            }
            registerWithDeadline("agent-lat", at(61), AgentStatus.PENDING);
            store.extendDeadlines(at(90)); // a grace period gives everyone the same deadline
            Set<String> expired = new HashSet<>();
            for (int round = 0; round < 4; round++) {
                for (Agent a : store.findOverdue(at(100), 7)) {
                    assertThat(expired.add(a.id()))
                            .as("returned again after expiry: " + a.id())
                            .isTrue();
                    store.expireAgent(
                                    a.withStatus(AgentStatus.INACTIVE, InactiveReason.MISSED_HEARTBEATS, at(100)),
                                    a.version(),
                                    at(100))
                            .orElseThrow();
                }
            }
            assertThat(expired).hasSize(26);
            assertThat(store.findOverdue(at(100), 10)).isEmpty();
        }

        @Test
        void statusChangesTakeAgentsOutAndBackIn() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);
            Agent inactive = store.updateAgent(
                            a.withStatus(AgentStatus.INACTIVE, InactiveReason.OPERATOR, at(1)), a.version())
                    .orElseThrow();
            assertThat(overdue(at(100), 10)).isEmpty();

            Agent active = store.updateAgent(inactive.withStatus(AgentStatus.ACTIVE, null, at(100)), inactive.version())
                    .orElseThrow();
            assertThat(overdue(at(100), 10)).containsExactly("agent-001");

            store.recordHeartbeat("agent-001", active.version(), 1, 1, at(100), at(190), null);
            assertThat(overdue(at(150), 10)).isEmpty();
            assertThat(overdue(at(191), 10)).containsExactly("agent-001");
        }

        @Test
        void anExpiredAgentThatComesBackIsWatchedAgain() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);
            Agent expired = store.expireAgent(
                            a.withStatus(AgentStatus.INACTIVE, InactiveReason.MISSED_HEARTBEATS, at(100)),
                            a.version(),
                            at(100))
                    .orElseThrow();
            assertThat(overdue(at(100), 10)).isEmpty();

            store.recordHeartbeat("agent-001", expired.version(), 1, 1, at(200), at(290), null);
            store.updateAgent(expired.withStatus(AgentStatus.ACTIVE, null, at(200)), expired.version())
                    .orElseThrow();

            assertThat(overdue(at(250), 10)).isEmpty();
            assertThat(overdue(at(291), 10)).containsExactly("agent-001");
        }

        @Test
        void farClockJumpsFindEverythingDue() {
            for (int i = 0; i < 50; i++) {
                registerWithDeadline(String.format("agent-%03d", i), at(i * 600L), AgentStatus.ACTIVE);
            }
            registerWithDeadline("agent-far", at(400L * 86_400), AgentStatus.ACTIVE);

            assertThat(overdue(at(1), 100)).containsExactly("agent-000");
            assertThat(overdue(at(4 * 3600).plusMillis(1), 100)).hasSize(25);
            assertThat(overdue(at(3 * 86_400), 100)).hasSize(50).doesNotContain("agent-far");
            assertThat(overdue(at(399L * 86_400), 100)).hasSize(50).doesNotContain("agent-far");
            assertThat(overdue(at(401L * 86_400), 100)).hasSize(51).contains("agent-far");
        }

        @Test
        void deadlinesFarAheadAreNotReportedEarly() {
            registerWithDeadline("agent-001", at(2 * 86_400), AgentStatus.ACTIVE);
            registerWithDeadline("agent-002", at(90), AgentStatus.ACTIVE);

            for (long s = 100; s < 2 * 86_400; s += 7_919) {
                assertThat(overdue(at(s), 10)).as("at +" + s + "s").containsExactly("agent-002");
            }
            assertThat(overdue(at(2 * 86_400 + 1), 10)).containsExactlyInAnyOrder("agent-001", "agent-002");
        }

        @Test
        @Timeout(60)
        void staysCorrectUnderConcurrentHeartbeats() {
            int agents = 400;
            List<Agent> fleet = new ArrayList<>();
            for (int i = 0; i < agents; i++) {
                fleet.add(registerWithDeadline(String.format("agent-%03d", i), at(90), AgentStatus.ACTIVE));
            }
            int beaters = 4;
            race(beaters + 1, t -> () -> {
                if (t == beaters) {
                    for (int n = 0; n < 50; n++) {
                        store.findOverdue(at(100), agents);
                    }
                    return null;
                }
                for (int i = t; i < agents / 2; i += beaters) {
                    Agent a = fleet.get(i);
                    assertThat(store.recordHeartbeat(a.id(), a.version(), 1, 1, at(100), at(190), null))
                            .isEqualTo(HeartbeatWrite.ACCEPTED_NEW_EPOCH);
                }
                return null;
            });

            Set<String> expected = IntStream.range(agents / 2, agents)
                    .mapToObj(i -> fleet.get(i).id())
                    .collect(Collectors.toSet());
            assertThat(overdue(at(150), agents)).isEqualTo(expected);
            assertThat(overdue(at(191), agents)).hasSize(agents);
        }
    }

    @Nested
    @DisplayName("expiring agents")
    class Expiry {

        private Agent inactive(Agent a, Instant now) {
            return a.withStatus(AgentStatus.INACTIVE, InactiveReason.MISSED_HEARTBEATS, now);
        }

        @Test
        void expiresAnOverdueAgentWithTheNextVersion() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);
            long activeBefore = store.countAgents(AgentStatus.ACTIVE);

            Agent result = store.expireAgent(inactive(a, at(100)), a.version(), at(100))
                    .orElseThrow();

            assertThat(result).isEqualTo(inactive(a, at(100)).withVersion(a.version() + 1));
            assertThat(stored("agent-001")).isEqualTo(result);
            assertThat(store.countAgents(AgentStatus.ACTIVE)).isEqualTo(activeBefore - 1);
            assertThat(store.countAgents(AgentStatus.INACTIVE)).isEqualTo(1);
        }

        @Test
        void ignoresTheLivenessOfTheArgument() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);
            AgentLiveness bogus = new AgentLiveness(at(1), 9, 9, at(9_999), null);

            Agent result = store.expireAgent(inactive(a, at(100)).withLiveness(bogus), a.version(), at(100))
                    .orElseThrow();

            assertThat(result.liveness()).isEqualTo(a.liveness());
        }

        @Test
        void versionMismatchWritesNothing() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);

            assertThat(store.expireAgent(inactive(a, at(100)), a.version() - 1, at(100)))
                    .isEmpty();
            assertThat(store.expireAgent(inactive(a, at(100)), a.version() + 1, at(100)))
                    .isEmpty();

            assertThat(stored("agent-001")).isEqualTo(a);
        }

        @Test
        void aDeadlineExtendedByAHeartbeatWritesNothing() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);
            List<Agent> found = store.findOverdue(at(100), 10);
            assertThat(found).hasSize(1);

            store.recordHeartbeat("agent-001", a.version(), 1, 1, at(100), at(190), null);

            assertThat(store.expireAgent(inactive(found.get(0), at(100)), a.version(), at(100)))
                    .isEmpty();
            assertThat(stored("agent-001").status()).isEqualTo(AgentStatus.ACTIVE);
        }

        @Test
        void aDeadlineNotBeforeNowWritesNothing() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);

            assertThat(store.expireAgent(inactive(a, at(90)), a.version(), at(90)))
                    .isEmpty();
            assertThat(store.expireAgent(inactive(a, at(50)), a.version(), at(50)))
                    .isEmpty();
            assertThat(stored("agent-001")).isEqualTo(a);
        }

        @Test
        void unknownAgentIsEmpty() {
            Agent ghost = TestAgents.newAgent("agent-404", T0).agent();

            assertThat(store.expireAgent(inactive(ghost, at(100)), 1, at(100))).isEmpty();
            assertThat(store.findAgent("agent-404")).isEmpty();
        }

        @Test
        @Timeout(60)
        void ofRacingExpiriesExactlyOneWins() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);
            int threads = 16;

            List<Optional<Agent>> results =
                    race(threads, i -> () -> store.expireAgent(inactive(a, at(100)), a.version(), at(100)));

            assertThat(results).filteredOn(Optional::isPresent).hasSize(1);
            assertThat(stored("agent-001").version()).isEqualTo(a.version() + 1);
            assertThat(store.countAgents(AgentStatus.INACTIVE)).isEqualTo(1);
        }

        @Test
        @Timeout(60)
        void ofAHeartbeatRacingAnExpiryExactlyOneTakesEffect() {
            int agents = 40;
            List<Agent> fleet = new ArrayList<>();
            for (int i = 0; i < agents; i++) {
                fleet.add(registerWithDeadline(String.format("agent-%03d", i), at(90), AgentStatus.ACTIVE));
            }
            for (Agent a : fleet) {
                List<Object> results = race(
                        2,
                        t -> () -> t == 0
                                ? store.recordHeartbeat(a.id(), a.version(), 1, 1, at(100), at(190), null)
                                : store.expireAgent(inactive(a, at(100)), a.version(), at(100)));
                boolean beat = accepted((HeartbeatWrite) results.get(0));
                boolean expired = ((Optional<?>) results.get(1)).isPresent();
                assertThat(beat ^ expired)
                        .as(a.id() + ": heartbeat " + results.get(0) + ", expired " + expired)
                        .isTrue();
                assertThat(stored(a.id()).status()).isEqualTo(expired ? AgentStatus.INACTIVE : AgentStatus.ACTIVE);
            }
        }
    }

    @Nested
    @DisplayName("bounded reads")
    class BoundedReads {

        @Test
        void aLimitBelowOneIsRefusedAndChangesNothing() {
            store.insertToken(TestAgents.oneTimeToken("tok-expired", at(-2 * 86_400))); // prunable at at(1000)
            registerWithDeadline("agent-001", at(10), AgentStatus.ACTIVE);

            for (int limit : new int[] {0, -1, Integer.MIN_VALUE}) {
                assertThatThrownBy(() -> store.listTokens(null, limit))
                        .as("listTokens %d", limit)
                        .isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> store.pruneTokens(at(1000), limit))
                        .as("pruneTokens %d", limit)
                        .isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> store.findOverdue(at(100), limit))
                        .as("findOverdue %d", limit)
                        .isInstanceOf(IllegalArgumentException.class);
            }
            assertThat(store.findToken("tok-expired")).as("not pruned").isPresent();
            assertThat(store.findOverdue(at(100), 10)).extracting(Agent::id).containsExactly("agent-001");
            assertThat(store.pruneTokens(at(1000), 10))
                    .as("a valid limit prunes")
                    .isPositive();
            assertThat(store.findToken("tok-expired")).as("pruned now").isEmpty();
        }
    }
}
