package dev.agentmanager.testkit;

import static dev.agentmanager.testkit.TestTasks.id;
import static dev.agentmanager.testkit.TestTasks.task;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.model.Capability;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.RetryPolicy;
import dev.agentmanager.task.TaskAttempt;
import dev.agentmanager.task.TaskPayload;
import dev.agentmanager.task.TaskQuery;
import dev.agentmanager.task.TaskSelector;
import dev.agentmanager.task.TaskStatus;
import dev.agentmanager.task.TaskTimeouts;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The {@link dev.agentmanager.spi.TaskStore} role apart from claims: inserting with idempotency keys, finding,
 * querying with keyset paging, counting, version-conditional updates with history, due and held tasks, late
 * reports, logs by offset, the queue summary and pruning.
 */
public abstract class TaskRecordsContract extends TaskContract {

    protected TaskRecordsContract(TaskStoreFactory factory) {
        super(factory);
    }

    @Test
    void anInsertedTaskIsFoundAsInsertedWithVersionOne() {
        TaskSelector selector = new TaskSelector(
                        Set.of(Capability.of("docker", "24.0.7"), Capability.of("compose")), Map.of())
                .withLabel("env", "prod")
                .withLabel("zone", "eu-1");
        AgentTask full = insert(task(id(1), at(1))
                .type("deploy/web")
                .payload(TaskPayload.ofJson("{\"app\":\"web\",\"version\":\"1.2\"}"))
                .selector(selector)
                .priority(-7)
                .idempotencyKey("deploy-web-1.2")
                .retry(RetryPolicy.idempotent(3))
                .timeouts(TaskTimeouts.defaults().withProgress(Duration.ofMillis(90_500)))
                .group("env-prod", 2)
                .rerunOf(id(0)));
        AgentTask bytes = insert(task(id(2), at(2))
                .payload(TaskPayload.ofBytes(new byte[] {0, 1, (byte) 0xff}))
                .agent("agent-001"));

        assertThat(store.findTask(id(1))).contains(full);
        assertThat(store.findTask(id(2))).contains(bytes);
        assertThat(store.findTask(id(2)).orElseThrow().request().payload().isJson())
                .isFalse();
        assertThat(store.findTask(id(3))).isEmpty();
    }

    @Test
    void aSecondTaskWithTheSameIdIsRefusedAndChangesNothing() {
        AgentTask first = insert(task(id(1), at(1)).type("first"));

        assertThatThrownBy(
                        () -> store.insertTask(task(id(1), at(2)).type("second").build()))
                .isInstanceOf(IllegalStateException.class);
        assertThat(store.findTask(id(1))).contains(first);
    }

    @Test
    void anIdempotencyKeyAlreadyHeldReturnsTheHolderAndInsertsNothing() {
        AgentTask first = insert(task(id(1), at(1)).idempotencyKey("key-1"));

        AgentTask again = store.insertTask(
                task(id(2), at(2)).idempotencyKey("key-1").type("other").build());

        assertThat(again).isEqualTo(first);
        assertThat(store.findTask(id(2))).isEmpty();
        assertThat(store.insertTask(task(id(3), at(3)).idempotencyKey("key-2").build())
                        .id())
                .isEqualTo(id(3));
    }

    @Test
    void queriesMatchStatusesAgentAndTypeInIdOrderWithKeysetPaging() {
        for (int n = 1; n <= 9; n++) {
            AgentTask t = insert(task(id(n), at(n)).type(n % 2 == 0 ? "even" : "odd"));
            if (n <= 3) {
                hold(t, "agent-001", at(10));
            } else if (n <= 5) {
                update(hold(t, "agent-002", at(10)), TestTasks.finished(stored(id(n)), TaskStatus.FAILED, at(20)));
            }
        }

        assertThat(ids(store.findTasks(TaskQuery.all()))).containsExactly(ids(1, 2, 3, 4, 5, 6, 7, 8, 9));
        assertThat(ids(store.findTasks(TaskQuery.status(TaskStatus.QUEUED)))).containsExactly(ids(6, 7, 8, 9));
        assertThat(ids(store.findTasks(TaskQuery.status(TaskStatus.CLAIMED, TaskStatus.FAILED))))
                .containsExactly(ids(1, 2, 3, 4, 5));
        assertThat(ids(store.findTasks(TaskQuery.all().withAgent("agent-002")))).containsExactly(ids(4, 5));
        assertThat(ids(store.findTasks(TaskQuery.all().withType("even")))).containsExactly(ids(2, 4, 6, 8));
        assertThat(ids(store.findTasks(TaskQuery.status(TaskStatus.CLAIMED)
                        .withAgent("agent-001")
                        .withType("odd"))))
                .containsExactly(ids(1, 3));

        TaskQuery page = TaskQuery.all().withLimit(4);
        List<AgentTask> first = store.findTasks(page);
        List<AgentTask> second = store.findTasks(page.after(first.get(3).id()));
        List<AgentTask> third = store.findTasks(page.after(second.get(3).id()));
        assertThat(ids(first)).containsExactly(ids(1, 2, 3, 4));
        assertThat(ids(second)).containsExactly(ids(5, 6, 7, 8));
        assertThat(ids(third)).containsExactly(ids(9));
        assertThat(store.findTasks(TaskQuery.all().withType("odd").after(id(7))))
                .extracting(AgentTask::id)
                .containsExactly(id(9));
    }

    @Test
    void countsByStatus() {
        for (int n = 1; n <= 5; n++) {
            AgentTask t = insert(n);
            if (n <= 2) {
                hold(t, "agent-001", at(10));
            }
        }

        assertThat(store.countTasks(TaskStatus.QUEUED)).isEqualTo(3);
        assertThat(store.countTasks(TaskStatus.CLAIMED)).isEqualTo(2);
        assertThat(store.countTasks(TaskStatus.RUNNING)).isZero();
    }

    @Test
    void anUpdateWinsOnlyAtTheExpectedVersion() {
        AgentTask queued = insert(1);
        AgentTask claimed = TestTasks.claimed(queued, "agent-001", at(5));

        assertThat(store.updateTask(claimed, 2)).isEmpty();
        assertThat(store.updateTask(claimed, 0)).isEmpty();
        assertThat(store.findTask(id(1))).contains(queued);

        AgentTask stored = store.updateTask(claimed, 1).orElseThrow();
        assertThat(stored).isEqualTo(claimed.withVersion(2));
        assertThat(store.findTask(id(1))).contains(stored);
        assertThat(store.updateTask(TestTasks.running(claimed, at(6)), 1)).isEmpty();
        assertThat(store.findTask(id(1))).contains(stored);

        AgentTask running = TestTasks.running(stored, at(6));
        assertThat(store.updateTask(running, 2)).contains(running.withVersion(3));
        assertThat(store.updateTask(task(id(9), at(9)).build(), 1)).isEmpty();
        assertThat(store.findTask(id(9))).isEmpty();
    }

    @Test
    void anUpdateWithAnEndedAttemptAppendsItToHistoryOnlyIfTheUpdateWins() {
        AgentTask held = hold(insert(1), "agent-001", at(5));
        TaskAttempt first = TestTasks.ended(held, TaskStatus.QUEUED, at(8));
        AgentTask requeued = TestTasks.requeued(held, at(8));

        assertThat(store.updateTask(requeued, held.version() + 1, first)).isEmpty();
        assertThat(store.findAttempts(id(1))).isEmpty();

        AgentTask again = store.updateTask(requeued, held.version(), first).orElseThrow();
        assertThat(again).isEqualTo(requeued.withVersion(held.version() + 1));
        AgentTask second = hold(again, "agent-002", at(9));
        assertThat(second.state().attempt()).isEqualTo(2);
        AgentTask running = update(second, TestTasks.running(second, at(10)));
        AgentTask done = TestTasks.finished(running, TaskStatus.SUCCEEDED, at(11));
        TaskAttempt last = TestTasks.ended(running, TaskStatus.SUCCEEDED, at(11));
        assertThat(store.updateTask(done, running.version(), last)).isPresent();

        assertThat(store.findAttempts(id(1))).containsExactly(first, last);
        assertThat(store.findAttempts(id(2))).isEmpty();
    }

    @Test
    void dueTasksAreUnfinishedOnesWithDeadlinesUpToNowEarliestFirst() {
        insert(task(id(1), at(1)).deadline(at(30)));
        insert(task(id(2), at(2)).deadline(at(10)));
        insert(task(id(3), at(3)).deadline(at(20)));
        insert(task(id(4), at(4)).deadline(at(21)));
        AgentTask finished = insert(task(id(5), at(5)).deadline(at(5)));
        update(finished, TestTasks.finished(finished, TaskStatus.CANCELLED, at(6)));

        assertThat(ids(store.findTasksDueBy(at(20), 10))).containsExactly(ids(2, 3));
        assertThat(ids(store.findTasksDueBy(at(30), 2))).containsExactly(ids(2, 3));
        assertThat(ids(store.findTasksDueBy(at(30), 10))).containsExactly(ids(2, 3, 4, 1));
        assertThat(store.findTasksDueBy(at(9), 10)).isEmpty();
    }

    @Test
    void heldTasksAreTheAgentsClaimedAndRunningOnesById() {
        AgentTask a = hold(insert(3), "agent-001", at(10));
        update(a, TestTasks.running(a, at(11)));
        hold(insert(1), "agent-001", at(10));
        AgentTask done = hold(insert(2), "agent-001", at(10));
        update(done, TestTasks.finished(done, TaskStatus.SUCCEEDED, at(12)));
        hold(insert(4), "agent-002", at(10));
        insert(5);

        assertThat(ids(store.findHeldTasks("agent-001"))).containsExactly(ids(1, 3));
        assertThat(store.findHeldTasks("agent-001").get(1).status()).isEqualTo(TaskStatus.RUNNING);
        assertThat(ids(store.findHeldTasks("agent-002"))).containsExactly(ids(4));
        assertThat(store.findHeldTasks("agent-003")).isEmpty();
    }

    @Test
    void tasksByIdsAreTheOnesThatExist() {
        AgentTask one = insert(1);
        insert(2);
        AgentTask three = insert(3);

        assertThat(store.findTasks(List.of(id(3), id(9), id(1)))).containsExactlyInAnyOrder(one, three);
        assertThat(store.findTasks(List.of())).isEmpty();
    }

    @Test
    void aLateReportIsRecordedOnItsAttemptAndTheLastOneWins() {
        AgentTask held = hold(insert(1), "agent-001", at(5));
        TaskAttempt first = TestTasks.ended(held, TaskStatus.QUEUED, at(8));
        AgentTask again = store.updateTask(TestTasks.requeued(held, at(8)), held.version(), first)
                .orElseThrow();
        AgentTask second = hold(again, "agent-002", at(9));
        TaskAttempt last = TestTasks.ended(second, TaskStatus.LOST, at(20));
        store.updateTask(TestTasks.finished(second, TaskStatus.LOST, at(20)), second.version(), last)
                .orElseThrow();

        store.recordLateReport(id(1), 1, "started");
        store.recordLateReport(id(1), 1, "succeeded");
        store.recordLateReport(id(1), 7, "failed");
        store.recordLateReport(id(9), 1, "failed");

        List<TaskAttempt> history = store.findAttempts(id(1));
        assertThat(history).hasSize(2);
        assertThat(history.get(0).lateReport()).isEqualTo("succeeded");
        assertThat(history.get(0))
                .usingRecursiveComparison()
                .ignoringFields("lateReport")
                .isEqualTo(first);
        assertThat(history.get(1)).isEqualTo(last);
    }

    @Test
    void logsAppendAtTheirExactOffsetPerAttemptAndReadInRanges() {
        insert(1);
        byte[] hello = "hello ".getBytes(UTF_8);

        assertThat(store.appendLog(id(1), 1, 0, hello)).isEqualTo(6);
        assertThat(store.appendLog(id(1), 1, 0, hello)).as("a retried chunk").isEqualTo(6);
        assertThat(store.appendLog(id(1), 1, 9, "x".getBytes(UTF_8)))
                .as("a gap")
                .isEqualTo(6);
        assertThat(store.appendLog(id(1), 1, 6, "world".getBytes(UTF_8))).isEqualTo(11);
        assertThat(store.appendLog(id(1), 2, 0, "two".getBytes(UTF_8))).isEqualTo(3);
        assertThat(store.appendLog(id(1), 1, 11, new byte[0])).isEqualTo(11);

        assertThat(text(store.readLog(id(1), 1, 0, 100))).isEqualTo("hello world");
        assertThat(text(store.readLog(id(1), 1, 3, 5))).isEqualTo("lo wo");
        assertThat(text(store.readLog(id(1), 1, 8, 100))).isEqualTo("rld");
        assertThat(store.readLog(id(1), 1, 11, 100)).isEmpty();
        assertThat(store.readLog(id(1), 1, 50, 100)).isEmpty();
        assertThat(text(store.readLog(id(1), 2, 0, 100))).isEqualTo("two");
        assertThat(store.readLog(id(1), 3, 0, 100)).isEmpty();
        assertThat(store.readLog(id(9), 1, 0, 100)).isEmpty();
    }

    @Test
    void aLongLogIsReadBackExactly() {
        insert(1);
        byte[] chunk = new byte[40_000];
        for (int i = 0; i < chunk.length; i++) {
            chunk[i] = (byte) (i * 31);
        }
        long length = 0;
        for (int i = 0; i < 3; i++) {
            length = store.appendLog(id(1), 1, length, chunk);
        }

        assertThat(length).isEqualTo(120_000);
        byte[] middle = store.readLog(id(1), 1, 39_990, 20);
        for (int i = 0; i < 20; i++) {
            assertThat(middle[i]).isEqualTo(chunk[(39_990 + i) % chunk.length]);
        }
        assertThat(store.readLog(id(1), 1, 0, 200_000)).hasSize(120_000);
    }

    @Test
    void theQueueSummarysMarkChangesWhenOneQueuedTaskReplacesAnother() {
        insert(task(id(1), at(1)).selector(TaskSelector.capability("docker")));
        var before = store.queueSummary(100);
        hold(stored(id(1)), "agent-001", at(10));
        insert(task(id(2), at(2)).selector(TaskSelector.capability("docker")));
        var after = store.queueSummary(100);

        assertThat(after.byCapability()).isEqualTo(before.byCapability()).isEqualTo(Map.of("docker", 1));
        assertThat(after.mark()).isNotEqualTo(before.mark());
        assertThat(store.queueSummary(100).mark()).as("nothing changed").isEqualTo(after.mark());
    }

    @Test
    void theQueueSummaryCountsQueuedTasksByAgentAndFirstCapabilityAndListsCancelRequests() {
        insert(task(id(1), at(1)).agent("agent-001"));
        insert(task(id(2), at(2)).agent("agent-001"));
        insert(task(id(3), at(3)).agent("agent-002"));
        insert(task(id(4), at(4)).selector(TaskSelector.capability("docker")));
        insert(task(id(5), at(5))
                .selector(TaskSelector.capability("docker", "24").withCapability(Capability.of("apt"))));
        insert(task(id(6), at(6)).selector(new TaskSelector(Set.of(), Map.of("env", "prod"))));
        AgentTask held = hold(insert(task(id(7), at(7)).agent("agent-003")), "agent-003", at(10));
        update(held, TestTasks.cancelRequested(held));
        hold(insert(task(id(8), at(8))), "agent-003", at(10));
        AgentTask other = hold(insert(task(id(9), at(9))), "agent-004", at(10));
        update(other, TestTasks.cancelRequested(other));

        var summary = store.queueSummary(100);
        assertThat(summary.byAgent()).isEqualTo(Map.of("agent-001", 2, "agent-002", 1));
        assertThat(summary.byCapability()).isEqualTo(Map.of("docker", 1, "apt", 1, "", 1));
        assertThat(summary.cancelRequests())
                .isEqualTo(Map.of(
                        "agent-003",
                        List.of(stored(id(7)).lease()),
                        "agent-004",
                        List.of(stored(id(9)).lease())));

        var limited = store.queueSummary(2);
        int counted =
                limited.byAgent().values().stream().mapToInt(Integer::intValue).sum()
                        + limited.byCapability().values().stream()
                                .mapToInt(Integer::intValue)
                                .sum();
        assertThat(counted).isEqualTo(2);
    }

    @Test
    void pruningDeletesOnlyTasksFinishedBeforeTheInstantWithTheirHistoryLogsAndKeys() {
        for (int n = 1; n <= 5; n++) {
            AgentTask held = hold(insert(task(id(n), at(n)).idempotencyKey("key-" + n)), "agent-001", at(10));
            store.appendLog(id(n), 1, 0, "log".getBytes(UTF_8));
            if (n <= 4) {
                store.updateTask(
                                TestTasks.finished(held, TaskStatus.SUCCEEDED, at(100L * n)),
                                held.version(),
                                TestTasks.ended(held, TaskStatus.SUCCEEDED, at(100L * n)))
                        .orElseThrow();
            }
        }
        insert(task(id(6), at(6)));

        assertThat(store.deleteFinishedTasks(at(300), 1)).isEqualTo(1);
        assertThat(store.deleteFinishedTasks(at(300), 10)).isEqualTo(1);
        assertThat(store.deleteFinishedTasks(at(300), 10)).isZero();

        assertThat(ids(store.findTasks(TaskQuery.all()))).containsExactly(ids(3, 4, 5, 6));
        for (int n : List.of(1, 2)) {
            assertThat(store.findAttempts(id(n))).isEmpty();
            assertThat(store.readLog(id(n), 1, 0, 100)).isEmpty();
        }
        assertThat(store.findAttempts(id(3))).hasSize(1);
        assertThat(text(store.readLog(id(3), 1, 0, 100))).isEqualTo("log");
        AgentTask reused =
                store.insertTask(task(id(7), at(7)).idempotencyKey("key-1").build());
        assertThat(reused.id()).as("a pruned task's key is free").isEqualTo(id(7));
        assertThat(store.insertTask(task(id(8), at(8)).idempotencyKey("key-3").build())
                        .id())
                .isEqualTo(id(3));
        assertThat(store.deleteFinishedTasks(at(10_000), 10)).isEqualTo(2);
        assertThat(ids(store.findTasks(TaskQuery.all()))).containsExactly(ids(5, 6, 7));
    }

    static List<String> ids(List<AgentTask> tasks) {
        return tasks.stream().map(AgentTask::id).toList();
    }

    static String[] ids(int... ns) {
        return java.util.Arrays.stream(ns).mapToObj(TestTasks::id).toArray(String[]::new);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, UTF_8);
    }
}
