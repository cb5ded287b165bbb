package dev.agentmanager.testkit;

import static dev.agentmanager.testkit.TaskRecordsContract.ids;
import static dev.agentmanager.testkit.TestTasks.id;
import static dev.agentmanager.testkit.TestTasks.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.model.Capability;
import dev.agentmanager.spi.TaskClaimQuery;
import dev.agentmanager.spi.TaskClaimer;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.TaskSelector;
import dev.agentmanager.task.TaskStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link dev.agentmanager.spi.TaskStore#claimTasks}, one caller at a time: candidate order and filter, the claimer's
 * decision, and the limits (max, the agent's capacity, concurrency groups, the scan limit).
 */
public abstract class TaskClaimsContract extends TaskContract {

    protected TaskClaimsContract(TaskStoreFactory factory) {
        super(factory);
    }

    /** A claim query for an agent with capability docker, generous limits. */
    protected static TaskClaimQuery query(String agentId, int max) {
        return new TaskClaimQuery(agentId, Set.of("docker"), max, 100, 100);
    }

    /** A claimer that takes every candidate for the query's agent at {@code at}. */
    protected static TaskClaimer takeAll(String agentId, Instant at) {
        return queued -> TestTasks.claimed(queued, agentId, at);
    }

    @Test
    void claimsTakeCandidatesByPriorityThenCreationThenId() {
        insert(task(id(1), at(10)));
        insert(task(id(2), at(5)));
        insert(task(id(3), at(10)).priority(5));
        insert(task(id(4), at(1)).priority(-1));
        insert(task(id(5), at(5)));
        insert(task(id(0), at(10)));

        List<AgentTask> claimed = store.claimTasks(query("agent-001", 10), takeAll("agent-001", at(20)));

        assertThat(ids(claimed)).containsExactly(ids(3, 2, 5, 0, 1, 4));
        for (AgentTask t : claimed) {
            assertThat(t.status()).isEqualTo(TaskStatus.CLAIMED);
            assertThat(t.version()).isEqualTo(2);
            assertThat(store.findTask(t.id())).contains(t);
        }
    }

    @Test
    void candidatesTargetTheAgentOrASelectorWhoseFirstCapabilityItHas() {
        insert(task(id(1), at(1)).agent("agent-001"));
        insert(task(id(2), at(2)).agent("agent-002"));
        insert(task(id(3), at(3)).selector(TaskSelector.capability("docker", "24")));
        insert(task(id(4), at(4)).selector(TaskSelector.capability("podman")));
        insert(task(id(5), at(5)).selector(new TaskSelector(Set.of(), Map.of("env", "prod"))));
        insert(task(id(6), at(6)).selector(TaskSelector.capability("docker").withCapability(Capability.of("apt"))));
        insert(task(id(7), at(7)).selector(TaskSelector.capability("docker").withCapability(Capability.of("zypper"))));
        List<String> offered = new ArrayList<>();

        List<AgentTask> claimed = store.claimTasks(query("agent-001", 10), queued -> {
            offered.add(queued.id());
            return TestTasks.claimed(queued, "agent-001", at(20));
        });

        assertThat(offered).containsExactly(ids(1, 3, 5, 7));
        assertThat(ids(claimed)).containsExactly(ids(1, 3, 5, 7));
        assertThat(stored(id(2)).status()).isEqualTo(TaskStatus.QUEUED);
        assertThat(stored(id(4)).status()).isEqualTo(TaskStatus.QUEUED);
        assertThat(stored(id(6)).status()).isEqualTo(TaskStatus.QUEUED);
    }

    @Test
    void onlyQueuedTasksAreCandidates() {
        hold(insert(1), "agent-002", at(10));
        AgentTask done = insert(2);
        update(done, TestTasks.finished(done, TaskStatus.CANCELLED, at(10)));
        insert(3);

        assertThat(ids(store.claimTasks(query("agent-001", 10), takeAll("agent-001", at(20)))))
                .containsExactly(ids(3));
    }

    @Test
    void aCandidateTheClaimerRefusesStaysQueuedAndTheNextIsOffered() {
        AgentTask first = insert(1);
        insert(2);
        insert(3);

        List<AgentTask> claimed = store.claimTasks(
                query("agent-001", 10),
                queued -> queued.id().equals(id(2)) ? null : TestTasks.claimed(queued, "agent-001", at(20)));

        assertThat(ids(claimed)).containsExactly(ids(1, 3));
        assertThat(store.findTask(id(2))).contains(insertedVersionOf(2));
        assertThat(stored(id(1)))
                .isEqualTo(TestTasks.claimed(first, "agent-001", at(20)).withVersion(2));
    }

    @Test
    void aClaimStopsAtMax() {
        for (int n = 1; n <= 5; n++) {
            insert(n);
        }

        assertThat(ids(store.claimTasks(query("agent-001", 2), takeAll("agent-001", at(20)))))
                .containsExactly(ids(1, 2));
        assertThat(ids(store.claimTasks(query("agent-002", 2), takeAll("agent-002", at(20)))))
                .containsExactly(ids(3, 4));
        assertThat(store.countTasks(TaskStatus.QUEUED)).isEqualTo(1);
    }

    @Test
    void capacityCountsTheTasksTheAgentHoldsAlready() {
        AgentTask running = hold(insert(1), "agent-001", at(10));
        update(running, TestTasks.running(running, at(11)));
        hold(insert(2), "agent-001", at(10));
        AgentTask done = hold(insert(3), "agent-001", at(10));
        update(done, TestTasks.finished(done, TaskStatus.SUCCEEDED, at(12)));
        hold(insert(4), "agent-002", at(10));
        for (int n = 5; n <= 9; n++) {
            insert(n);
        }
        TaskClaimQuery capacityThree = new TaskClaimQuery("agent-001", Set.of("docker"), 10, 3, 100);

        assertThat(ids(store.claimTasks(capacityThree, takeAll("agent-001", at(20)))))
                .containsExactly(ids(5));
        assertThat(store.claimTasks(capacityThree, takeAll("agent-001", at(21))))
                .isEmpty();
        assertThat(store.findHeldTasks("agent-001")).hasSize(3);
    }

    @Test
    void aConcurrencyGroupLimitsHeldTasksAcrossTheFleet() {
        AgentTask busy = hold(insert(task(id(1), at(1)).group("env-prod", 1)), "agent-009", at(10));
        insert(task(id(2), at(2)).group("env-prod", 1));
        insert(task(id(3), at(3)).group("env-test", 2));
        insert(task(id(4), at(4)).group("env-test", 2));
        insert(task(id(5), at(5)).group("env-test", 2));
        insert(task(id(6), at(6)));

        assertThat(ids(store.claimTasks(query("agent-001", 10), takeAll("agent-001", at(20)))))
                .containsExactly(ids(3, 4, 6));
        assertThat(stored(id(2)).status()).isEqualTo(TaskStatus.QUEUED);
        assertThat(stored(id(5)).status()).isEqualTo(TaskStatus.QUEUED);

        update(busy, TestTasks.finished(busy, TaskStatus.SUCCEEDED, at(30)));
        assertThat(ids(store.claimTasks(query("agent-002", 10), takeAll("agent-002", at(31)))))
                .containsExactly(ids(2));
        assertThat(store.claimTasks(query("agent-002", 10), takeAll("agent-002", at(32))))
                .isEmpty();
    }

    @Test
    void aClaimExaminesAtMostTheScanLimit() {
        for (int n = 1; n <= 6; n++) {
            insert(n);
        }
        List<String> offered = new ArrayList<>();
        TaskClaimer refuseFirstTwo = queued -> {
            offered.add(queued.id());
            return offered.size() <= 2 ? null : TestTasks.claimed(queued, "agent-001", at(20));
        };

        List<AgentTask> claimed =
                store.claimTasks(new TaskClaimQuery("agent-001", Set.of("docker"), 10, 10, 2), refuseFirstTwo);

        assertThat(claimed).isEmpty();
        assertThat(offered).containsExactly(ids(1, 2));
        assertThat(store.countTasks(TaskStatus.QUEUED)).isEqualTo(6);

        offered.clear();
        assertThat(ids(store.claimTasks(new TaskClaimQuery("agent-001", Set.of("docker"), 10, 10, 4), refuseFirstTwo)))
                .containsExactly(ids(3, 4));
        assertThat(offered).containsExactly(ids(1, 2, 3, 4));
    }

    @Test
    void aClaimedTaskKeepsItsAttemptHistoryAcrossRequeues() {
        insert(1);
        AgentTask first = store.claimTasks(query("agent-001", 1), takeAll("agent-001", at(10)))
                .get(0);
        assertThat(first.state().attempt()).isEqualTo(1);
        store.updateTask(
                        TestTasks.requeued(first, at(11)),
                        first.version(),
                        TestTasks.ended(first, TaskStatus.QUEUED, at(11)))
                .orElseThrow();

        AgentTask second = store.claimTasks(query("agent-002", 1), takeAll("agent-002", at(12)))
                .get(0);

        assertThat(second.state().attempt()).isEqualTo(2);
        assertThat(second.state().agentId()).isEqualTo("agent-002");
        assertThat(store.findAttempts(id(1))).hasSize(1);
    }

    private AgentTask insertedVersionOf(int n) {
        return task(id(n), at(n)).build().withVersion(1);
    }
}
