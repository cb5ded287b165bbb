package dev.agentmanager.store.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.spi.HeartbeatWrite;
import dev.agentmanager.testkit.MutableClock;
import dev.agentmanager.testkit.TestAgents;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** What the contract cannot see: the deadline index's lazy filing and the status counters under races. */
class DeadlineIndexTest {
    private static final Instant T0 = MutableClock.DEFAULT_START;

    private final InMemoryAgentStore store = new InMemoryAgentStore();

    private Agent register(String id, Instant deadline) {
        AgentCertificate cert = TestAgents.certificate(id, T0);
        Agent agent = TestAgents.agent(id, T0)
                .certificate(cert.pin())
                .deadline(deadline)
                .build();
        store.insertToken(TestAgents.oneTimeToken("tok-" + id, T0));
        assertThat(store.registerAgent("tok-" + id, TestAgents.redemption(id, T0), T0, agent, cert))
                .isTrue();
        return agent;
    }

    private static Instant at(long second) {
        return T0.plusSeconds(second);
    }

    @Test
    void aHeartbeatMovingTheDeadlineLaterLeavesTheIndexAloneUntilASweepReachesIt() {
        Agent a = register("agent-001", at(90));
        assertThat(store.indexedDeadlines()).isEqualTo(1);
        for (int beat = 1; beat <= 5; beat++) {
            assertThat(store.recordHeartbeat(a.id(), a.version(), 1, beat, at(beat), at(beat + 90), null))
                    .isIn(HeartbeatWrite.ACCEPTED, HeartbeatWrite.ACCEPTED_NEW_EPOCH);
        }
        assertThat(store.indexedDeadlines()).as("no re-filing per beat").isEqualTo(1);

        assertThat(store.findOverdue(at(91), 10))
                .as("filed at 90, due at 95: re-filed, not returned")
                .isEmpty();
        assertThat(store.findOverdue(at(95), 10)).isEmpty();
        assertThat(store.findOverdue(at(96), 10)).extracting(Agent::id).containsExactly("agent-001");
        assertThat(store.indexedDeadlines()).isEqualTo(1);
    }

    @Test
    void aDeadlineMovedEarlierIsFoundOnTime() {
        Agent a = register("agent-001", at(3_600));
        // the clock stepped back, or the timeout shrank: the new deadline is earlier than the filed one
        store.recordHeartbeat(a.id(), a.version(), 1, 1, at(1), at(60), null);
        assertThat(store.findOverdue(at(61), 10)).extracting(Agent::id).containsExactly("agent-001");
    }

    @Test
    void agentsNoLongerWatchedLeaveTheIndexAndComeBackWhenWatchedAgain() {
        Agent a = register("agent-001", at(60));
        register("agent-002", at(3_600));
        Agent inactive = store.updateAgent(a.withStatus(AgentStatus.INACTIVE, InactiveReason.OPERATOR, T0), 1)
                .orElseThrow();
        assertThat(store.findOverdue(at(100), 10))
                .as("an inactive agent is not overdue")
                .isEmpty();
        assertThat(store.indexedDeadlines())
                .as("dropped by the sweep that passed it")
                .isEqualTo(1);

        store.updateAgent(inactive.withStatus(AgentStatus.ACTIVE, null, at(100)), inactive.version())
                .orElseThrow();
        assertThat(store.findOverdue(at(101), 10)).extracting(Agent::id).containsExactly("agent-001");
    }

    @Test
    void aSweepExaminesWhatIsDueNotTheFleet() {
        for (int i = 0; i < 2_000; i++) {
            register(String.format("agent-%04d", i), at(3_600 + i));
        }
        register("agent-late", at(60));
        assertThat(store.findOverdue(at(61), 100)).extracting(Agent::id).containsExactly("agent-late");
        assertThat(store.findOverdue(at(61), 1)).hasSize(1);
        assertThat(store.indexedDeadlines()).isEqualTo(2_001);
    }

    @Test
    void statusCountersStayExactUnderConcurrentUpdates() throws Exception {
        int agents = 200;
        for (int i = 0; i < agents; i++) {
            register(String.format("agent-%03d", i), at(90));
        }
        CountDownLatch start = new CountDownLatch(1);
        Set<Throwable> failures = ConcurrentHashMap.newKeySet();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            workers.add(new Thread(() -> {
                try {
                    start.await();
                    for (int round = 0; round < 20; round++) {
                        for (int i = 0; i < agents; i++) {
                            Agent current = store.findAgent(String.format("agent-%03d", i))
                                    .orElseThrow();
                            AgentStatus next =
                                    current.status() == AgentStatus.ACTIVE ? AgentStatus.PENDING : AgentStatus.ACTIVE;
                            store.updateAgent(current.withStatus(next, null, T0), current.version());
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        workers.forEach(Thread::start);
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        assertThat(failures).isEmpty();
        long active = store.findAgents(AgentQuery.builder()
                        .status(AgentStatus.ACTIVE)
                        .limit(1000)
                        .build())
                .size();
        assertThat(store.countAgents(AgentStatus.ACTIVE)).isEqualTo(active);
        assertThat(store.countAgents(AgentStatus.PENDING)).isEqualTo(agents - active);
    }

    @Test
    void sweepsRacingStatusChangesNeverLoseAWatchedAgent() throws Exception {
        int agents = 200;
        for (int i = 0; i < agents; i++) {
            register(String.format("agent-%03d", i), at(90));
        }
        CountDownLatch start = new CountDownLatch(1);
        Set<Throwable> failures = ConcurrentHashMap.newKeySet();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            int offset = t;
            threads.add(new Thread(() -> {
                try {
                    start.await();
                    for (int round = 0; round < 50; round++) {
                        for (int i = offset; i < agents; i += 2) {
                            Agent a = store.findAgent(String.format("agent-%03d", i))
                                    .orElseThrow();
                            Agent next = a.status() == AgentStatus.INACTIVE
                                    ? a.withStatus(AgentStatus.ACTIVE, null, T0)
                                    : a.withStatus(AgentStatus.INACTIVE, InactiveReason.OPERATOR, T0);
                            store.updateAgent(next, a.version());
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        threads.add(new Thread(() -> {
            try {
                start.await();
                for (int sweep = 0; sweep < 2_000; sweep++) {
                    store.findOverdue(at(100), 1_000); // drops the agents it finds unwatched
                }
            } catch (Throwable e) {
                failures.add(e);
            }
        }));
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failures).isEmpty();

        List<String> watched = store
                .findAgents(AgentQuery.builder()
                        .status(AgentStatus.ACTIVE, AgentStatus.PENDING)
                        .limit(1_000)
                        .build())
                .stream()
                .map(Agent::id)
                .toList();
        assertThat(store.findOverdue(at(100), 1_000))
                .extracting(Agent::id)
                .as("every agent left watched is found overdue")
                .containsExactlyInAnyOrderElementsOf(watched);
    }

    @Test
    void nullsAndBadLimitsAreRefused() {
        assertThatThrownBy(() -> store.findAgent(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.insertToken(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.recordHeartbeat("a", 1, 1, 1, null, T0, null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.findOverdue(T0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
