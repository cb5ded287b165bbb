package dev.agentmanager.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentLiveness;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.spi.HeartbeatWrite;
import dev.agentmanager.spi.MonitorPause;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@link dev.agentmanager.spi.LivenessStore} role, heartbeat side: ordered, version-checked liveness
 * writes, the grace period's deadline extension and the monitor's sweep bookkeeping.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class LivenessStoreContract extends StoreContract {

    /** A contract over the stores {@code factory} makes, one fresh store per test. */
    protected LivenessStoreContract(StoreFactory factory) {
        super(factory);
    }

    @Nested
    @DisplayName("heartbeats")
    class Heartbeats {

        private Agent agent;

        @BeforeEach
        void registerOne() {
            agent = register("agent-001");
        }

        private HeartbeatWrite beat(long epoch, long seq, long second) {
            return store.recordHeartbeat("agent-001", agent.version(), epoch, seq, at(second), at(second + 90), null);
        }

        @Test
        void firstBeatIsANewEpochAndRecordsLiveness() {
            assertThat(store.recordHeartbeat("agent-001", 1, 0, 0, at(2), at(92), Duration.ofMillis(1500)))
                    .isEqualTo(HeartbeatWrite.ACCEPTED_NEW_EPOCH);

            Agent after = stored("agent-001");
            assertThat(after.liveness()).isEqualTo(new AgentLiveness(at(2), 0, 0, at(92), Duration.ofMillis(1500)));
            assertThat(after.withLiveness(agent.liveness()))
                    .as("durable state untouched")
                    .isEqualTo(agent);
            assertThat(after.version()).isEqualTo(1);
        }

        @Test
        void theLargestClockSkewEitherWayRoundTrips() {
            // an agent controls its own clock: core clamps the skew to a long of nanoseconds, and every store
            // must keep the extremes
            Duration ahead = Duration.ofNanos(Long.MAX_VALUE);
            assertThat(store.recordHeartbeat("agent-001", 1, 0, 0, at(2), at(92), ahead))
                    .isEqualTo(HeartbeatWrite.ACCEPTED_NEW_EPOCH);
            assertThat(stored("agent-001").liveness().clockSkew()).isEqualTo(ahead);
            Duration behind = ahead.negated();
            assertThat(store.recordHeartbeat("agent-001", 1, 0, 1, at(3), at(93), behind))
                    .isEqualTo(HeartbeatWrite.ACCEPTED);
            assertThat(stored("agent-001").liveness().clockSkew()).isEqualTo(behind);
        }

        @Test
        void higherSequenceInTheSameEpochIsAccepted() {
            beat(5, 1, 1);

            assertThat(beat(5, 2, 31)).isEqualTo(HeartbeatWrite.ACCEPTED);
            assertThat(beat(5, 10, 61)).as("gaps are fine").isEqualTo(HeartbeatWrite.ACCEPTED);

            assertThat(stored("agent-001").liveness()).isEqualTo(new AgentLiveness(at(61), 5, 10, at(151), null));
            assertThat(stored("agent-001").version()).isEqualTo(1);
        }

        @Test
        void equalPairIsStaleAndChangesNothing() {
            beat(5, 7, 1);
            AgentLiveness before = stored("agent-001").liveness();

            assertThat(beat(5, 7, 40)).isEqualTo(HeartbeatWrite.STALE);

            assertThat(stored("agent-001").liveness()).isEqualTo(before);
        }

        @Test
        void olderPairsAreStale() {
            beat(5, 7, 1);
            AgentLiveness before = stored("agent-001").liveness();

            assertThat(beat(5, 6, 40)).as("lower sequence").isEqualTo(HeartbeatWrite.STALE);
            assertThat(beat(4, 100, 41)).as("lower epoch, higher sequence").isEqualTo(HeartbeatWrite.STALE);
            assertThat(beat(0, 0, 42)).isEqualTo(HeartbeatWrite.STALE);

            assertThat(stored("agent-001").liveness()).isEqualTo(before);
        }

        @Test
        void higherEpochIsANewEpochEvenWithALowerSequence() {
            beat(5, 70, 1);

            assertThat(beat(6, 0, 31)).isEqualTo(HeartbeatWrite.ACCEPTED_NEW_EPOCH);

            assertThat(stored("agent-001").liveness()).isEqualTo(new AgentLiveness(at(31), 6, 0, at(121), null));
        }

        @Test
        void wrongVersionIsRefusedAndChangesNothing() {
            AgentLiveness before = stored("agent-001").liveness();

            assertThat(store.recordHeartbeat("agent-001", 2, 1, 1, at(5), at(95), null))
                    .isEqualTo(HeartbeatWrite.VERSION_CHANGED);
            assertThat(store.recordHeartbeat("agent-001", 0, 1, 1, at(5), at(95), null))
                    .isEqualTo(HeartbeatWrite.VERSION_CHANGED);

            assertThat(stored("agent-001").liveness()).isEqualTo(before);
        }

        @Test
        void afterAnUpdateTheOldVersionIsRefused() {
            Agent v2 = changeStatus(agent, AgentStatus.ACTIVE);

            assertThat(store.recordHeartbeat("agent-001", 1, 1, 1, at(5), at(95), null))
                    .isEqualTo(HeartbeatWrite.VERSION_CHANGED);
            assertThat(store.recordHeartbeat("agent-001", v2.version(), 1, 1, at(5), at(95), null))
                    .isEqualTo(HeartbeatWrite.ACCEPTED_NEW_EPOCH);
        }

        @Test
        void unknownAgentIsNotFound() {
            assertThat(store.recordHeartbeat("agent-404", 1, 1, 1, at(5), at(95), null))
                    .isEqualTo(HeartbeatWrite.NOT_FOUND);
            assertThat(store.findAgent("agent-404")).isEmpty();
        }

        @Test
        void heartbeatsAreRecordedWhateverTheStatus() {
            Agent inactive = store.updateAgent(
                            agent.withStatus(AgentStatus.INACTIVE, InactiveReason.OPERATOR, at(1)), 1)
                    .orElseThrow();

            assertThat(store.recordHeartbeat("agent-001", inactive.version(), 1, 1, at(5), at(95), null))
                    .isEqualTo(HeartbeatWrite.ACCEPTED_NEW_EPOCH);
            assertThat(stored("agent-001").liveness().lastHeartbeatAt()).isEqualTo(at(5));
            assertThat(stored("agent-001").status()).isEqualTo(AgentStatus.INACTIVE);
        }

        @Test
        void otherAgentsAreUntouched() {
            Agent other = register("agent-002");

            beat(1, 1, 5);

            assertThat(store.findAgent("agent-002")).contains(other);
        }

        @Test
        @Timeout(60)
        void ofRacingHeartbeatsWithOnePairExactlyOneIsAccepted() {
            List<HeartbeatWrite> results =
                    race(RACE_THREADS, i -> () -> store.recordHeartbeat("agent-001", 1, 3, 9, at(5), at(95), null));

            assertThat(results).filteredOn(StoreContract::accepted).hasSize(1);
            assertThat(results).filteredOn(w -> w == HeartbeatWrite.STALE).hasSize(RACE_THREADS - 1);
            assertThat(stored("agent-001").liveness().sequence()).isEqualTo(9);
        }

        @Test
        @Timeout(60)
        void racingHeartbeatsEndAtTheNewestPair() {
            List<HeartbeatWrite> results = race(
                    RACE_THREADS, i -> () -> store.recordHeartbeat("agent-001", 1, 3, i, at(5 + i), at(95 + i), null));

            assertThat(results.get(RACE_THREADS - 1))
                    .as("the newest pair is never stale")
                    .isIn(HeartbeatWrite.ACCEPTED, HeartbeatWrite.ACCEPTED_NEW_EPOCH);
            assertThat(results)
                    .filteredOn(w -> w == HeartbeatWrite.ACCEPTED_NEW_EPOCH)
                    .hasSize(1);
            int last = RACE_THREADS - 1;
            assertThat(stored("agent-001").liveness())
                    .isEqualTo(new AgentLiveness(at(5 + last), 3, last, at(95 + last), null));
        }
    }

    @Nested
    @DisplayName("grace period")
    class GracePeriod {

        @Test
        void movesEarlierDeadlinesOfLiveAgentsOnly() {
            Agent active = registerWithDeadline("agent-act", at(90), AgentStatus.ACTIVE);
            registerWithDeadline("agent-pen", at(60), AgentStatus.PENDING);
            Agent later = registerWithDeadline("agent-lat", at(500), AgentStatus.ACTIVE);
            Agent equal = registerWithDeadline("agent-eql", at(300), AgentStatus.ACTIVE);
            Agent inactive = registerWithDeadline("agent-ina", at(90), AgentStatus.INACTIVE);
            Agent revoked = registerWithDeadline("agent-rev", at(90), AgentStatus.REVOKED);

            assertThat(store.extendDeadlines(at(300))).isEqualTo(2);

            assertThat(stored("agent-act").liveness().deadline()).isEqualTo(at(300));
            assertThat(stored("agent-pen").liveness().deadline()).isEqualTo(at(300));
            assertThat(stored("agent-lat")).isEqualTo(later);
            assertThat(stored("agent-eql")).isEqualTo(equal);
            assertThat(stored("agent-ina")).isEqualTo(inactive);
            assertThat(stored("agent-rev")).isEqualTo(revoked);
            Agent extended = stored("agent-act");
            assertThat(extended.version()).isEqualTo(active.version());
            assertThat(extended.liveness().lastHeartbeatAt())
                    .isEqualTo(active.liveness().lastHeartbeatAt());
            assertThat(extended.liveness().sequence())
                    .isEqualTo(active.liveness().sequence());
        }

        @Test
        void extendedAgentsAreOverdueOnlyAfterTheNewDeadline() {
            registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);
            registerWithDeadline("agent-002", at(90), AgentStatus.PENDING);
            assertThat(store.findOverdue(at(100), 10)).hasSize(2);

            store.extendDeadlines(at(190));

            assertThat(store.findOverdue(at(100), 10)).isEmpty();
            assertThat(store.findOverdue(at(190), 10)).isEmpty();
            assertThat(ids(store.findOverdue(at(191), 10))).containsExactlyInAnyOrder("agent-001", "agent-002");
        }

        @Test
        void anExtendedAgentCannotBeExpiredWithItsOldDeadline() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);
            store.extendDeadlines(at(190));

            assertThat(store.expireAgent(
                            a.withStatus(AgentStatus.INACTIVE, InactiveReason.MISSED_HEARTBEATS, at(100)),
                            a.version(),
                            at(100)))
                    .isEmpty();
        }

        @Test
        void nothingToExtendIsZero() {
            assertThat(store.extendDeadlines(at(100))).isZero();
            registerWithDeadline("agent-001", at(500), AgentStatus.ACTIVE);
            assertThat(store.extendDeadlines(at(100))).isZero();
        }
    }

    @Nested
    @DisplayName("sweep bookkeeping")
    class Sweeps {

        @Test
        void firstSweepHasNoPredecessor() {
            assertThat(store.recordSweep(at(1))).isEmpty();
        }

        @Test
        void returnsThePreviousSweep() {
            store.recordSweep(at(1));

            assertThat(store.recordSweep(at(2))).contains(at(1));
            assertThat(store.recordSweep(at(3))).contains(at(2));
            assertThat(store.recordSweep(at(3))).contains(at(3));
        }

        @Test
        void neverGoesBackwards() {
            store.recordSweep(at(10));

            assertThat(store.recordSweep(at(5))).contains(at(10));
            assertThat(store.recordSweep(at(11)))
                    .as("the earlier sweep was not stored")
                    .contains(at(10));
        }

        @Test
        @Timeout(60)
        void concurrentSweepsKeepTheLatest() {
            int threads = 16;
            race(threads, i -> () -> store.recordSweep(at(100 + i)));

            assertThat(store.recordSweep(at(1))).contains(at(100 + threads - 1));
        }

        @Test
        void theSweepLockHasOneHolderUntilReleasedOrExpired() {
            Duration lease = Duration.ofSeconds(30);

            assertThat(store.tryLockSweep("a", at(1), lease)).isTrue();
            assertThat(store.tryLockSweep("b", at(2), lease)).as("held by a").isFalse();
            assertThat(store.tryLockSweep("a", at(3), lease))
                    .as("its holder takes it again")
                    .isTrue();
            store.unlockSweep("b", at(4)); // not b's: nothing happens
            assertThat(store.tryLockSweep("b", at(5), lease)).isFalse();
            store.unlockSweep("a", at(6));
            assertThat(store.tryLockSweep("b", at(7), lease)).as("released").isTrue();
            assertThat(store.tryLockSweep("a", at(36), lease))
                    .as("b's lease still runs")
                    .isFalse();
            assertThat(store.tryLockSweep("a", at(38), lease))
                    .as("b's lease ran out")
                    .isTrue();
        }

        @Test
        @Timeout(60)
        void ofRacingOwnersExactlyOneTakesTheSweepLock() {
            List<Boolean> taken =
                    race(RACE_THREADS, i -> () -> store.tryLockSweep("owner-" + i, at(1), Duration.ofSeconds(30)));

            assertThat(taken).filteredOn(Boolean::booleanValue).hasSize(1);
        }

        @Test
        void theRecordedPauseIsTheOneCompensatedLongest() {
            MonitorPause first = new MonitorPause(Duration.ofSeconds(60), at(100));

            assertThat(store.findPause(at(1))).isEmpty();
            store.recordPause(first);
            assertThat(store.findPause(at(50))).contains(first);
            store.recordPause(new MonitorPause(Duration.ofSeconds(5), at(80)));
            assertThat(store.findPause(at(50))).as("ends earlier: not kept").contains(first);
            assertThat(store.findPause(at(100))).as("compensated until, not at").isEmpty();
            MonitorPause later = new MonitorPause(Duration.ofSeconds(20), at(200));
            store.recordPause(later);
            assertThat(store.findPause(at(150))).contains(later);
        }

        @Test
        void recentExpiriesAreCountedFromTheStatusChange() {
            Agent early = registerWithDeadline("agent-001", at(10), AgentStatus.ACTIVE);
            Agent late = registerWithDeadline("agent-002", at(10), AgentStatus.ACTIVE);
            registerWithDeadline("agent-003", at(10), AgentStatus.ACTIVE);
            Agent operator = registerWithDeadline("agent-004", at(500), AgentStatus.ACTIVE);
            store.expireAgent(
                    early.withStatus(AgentStatus.INACTIVE, InactiveReason.MISSED_HEARTBEATS, at(20)),
                    early.version(),
                    at(20));
            store.expireAgent(
                    late.withStatus(AgentStatus.INACTIVE, InactiveReason.MISSED_HEARTBEATS, at(40)),
                    late.version(),
                    at(40));
            store.updateAgent(
                    operator.withStatus(AgentStatus.INACTIVE, InactiveReason.OPERATOR, at(40)), operator.version());

            assertThat(store.countExpiredSince(at(20))).isEqualTo(2);
            assertThat(store.countExpiredSince(at(21))).isEqualTo(1);
            assertThat(store.countExpiredSince(at(41))).isZero();
        }
    }
}
