package dev.agentmanager.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.exception.TaskFencedException;
import dev.agentmanager.exception.TaskNotFoundException;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.HeartbeatResponse;
import dev.agentmanager.model.Registration;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.AgentTasks;
import dev.agentmanager.task.TaskAssignment;
import dev.agentmanager.task.TaskControl;
import dev.agentmanager.task.TaskLease;
import dev.agentmanager.task.TaskPayload;
import dev.agentmanager.task.TaskQuery;
import dev.agentmanager.task.TaskReport;
import dev.agentmanager.task.TaskRequest;
import dev.agentmanager.task.TaskSelector;
import dev.agentmanager.task.TaskStatus;
import dev.agentmanager.task.TaskStop;
import dev.agentmanager.task.TaskTarget;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The happy path of a task and the orchestrator's tools around it, on the in-memory stores. */
class TaskFlowTest {
    private final Fleet fleet = new Fleet();
    private final AgentTasks tasks = fleet.manager.tasks();

    private static TaskRequest deploy(String json) {
        return TaskRequest.builder("deploy", TaskTarget.matching(TaskSelector.capability("docker", "24")))
                .json(json)
                .build();
    }

    private static String thumb(Registration r) {
        return r.certificate().thumbprint();
    }

    @Test
    void aTaskGoesFromSubmitThroughClaimStartAndProgressToSuccessWithAnEventForEveryTransition() {
        Registration web = fleet.register("web");
        fleet.beat(web);
        AgentTask task = tasks.submit(deploy("{\"app\":\"web\",\"version\":\"1.2\"}"));
        assertThat(task.status()).isEqualTo(TaskStatus.QUEUED);
        assertThat(tasks.explain(task.id()).reasons()).isEmpty(); // an agent could claim it now

        List<TaskAssignment> claimed = tasks.claim(web.agent().id(), thumb(web), 5);
        assertThat(claimed).singleElement().satisfies(a -> {
            assertThat(a.lease()).isEqualTo(new TaskLease(task.id(), 1));
            assertThat(a.type()).isEqualTo("deploy");
            assertThat(a.payload().text()).contains("1.2");
            assertThat(a.payload().isJson()).isTrue();
        });
        TaskLease lease = claimed.get(0).lease();
        assertThat(tasks.claim(web.agent().id(), thumb(web), 5)).isEmpty(); // claimed once

        tasks.report(web.agent().id(), thumb(web), new TaskReport.Started(lease));
        TaskControl control = tasks.report(web.agent().id(), thumb(web), new TaskReport.Progress(lease, 40, "pulling"));
        assertThat(control).isEqualTo(new TaskControl(TaskStatus.RUNNING, false));
        assertThat(tasks.find(task.id()).orElseThrow().state())
                .satisfies(s -> assertThat(s.percent()).isEqualTo(40))
                .satisfies(s -> assertThat(s.message()).isEqualTo("pulling"));
        tasks.report(
                web.agent().id(), thumb(web), new TaskReport.Succeeded(lease, TaskPayload.ofJson("{\"ok\":true}")));

        AgentTask done = tasks.find(task.id()).orElseThrow();
        assertThat(done.status()).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(done.state().result()).isEqualTo(TaskPayload.ofJson("{\"ok\":true}"));
        assertThat(tasks.attempts(task.id()))
                .singleElement()
                .satisfies(a -> assertThat(a.outcome()).isEqualTo(TaskStatus.SUCCEEDED))
                .satisfies(a -> assertThat(a.startedAt()).isNotNull());
        assertThat(fleet.events.events().stream()
                        .filter(e -> e.getClass().getSimpleName().startsWith("Task"))
                        .map(e -> e.getClass().getSimpleName()))
                .containsExactly("TaskSubmitted", "TaskClaimed", "TaskStarted", "TaskFinished");
    }

    @Test
    void aReportRepeatedAfterItsReplyWasLostIsAnsweredAgainAndChangesNothing() {
        Registration web = fleet.register("web");
        fleet.beat(web);
        AgentTask task = tasks.submit(deploy("{}"));
        TaskLease lease = tasks.claim(web.agent().id(), thumb(web), 1).get(0).lease();
        TaskReport success = new TaskReport.Succeeded(lease, TaskPayload.empty());
        tasks.report(web.agent().id(), thumb(web), success);
        long version = tasks.find(task.id()).orElseThrow().version();

        assertThat(tasks.report(web.agent().id(), thumb(web), success).status()).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(tasks.find(task.id()).orElseThrow().version()).isEqualTo(version);
        assertThat(fleet.events.count(AgentEvent.TaskFinished.class)).isEqualTo(1);
        // a different outcome for the finished attempt is refused
        assertThatThrownBy(() -> tasks.report(web.agent().id(), thumb(web), new TaskReport.Failed(lease, "no")))
                .isInstanceOf(TaskFencedException.class);
        assertThat(tasks.find(task.id()).orElseThrow().status()).isEqualTo(TaskStatus.SUCCEEDED);
    }

    @Test
    void anIdempotencyKeyReturnsTheFirstTask() {
        TaskRequest request = TaskRequest.builder("deploy", TaskTarget.agent("web-01"))
                .idempotencyKey("release-42/web")
                .build();
        AgentTask first = tasks.submit(request);
        AgentTask second = tasks.submit(request);
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(fleet.events.count(AgentEvent.TaskSubmitted.class)).isEqualTo(1);
    }

    @Test
    void aTargetedTaskGoesOnlyToItsAgentAndSelectorsMatchCapabilityVersionsAndLabels() {
        Registration web = fleet.register("web"); // docker 24.0
        Registration db = fleet.manager.register(fleet.request(fleet.oneTimeToken(), "db")
                .capability("docker", "20.10")
                .label("env", "prod")
                .build());
        fleet.beat(web);
        fleet.beat(db);
        AgentTask forDb = tasks.submit(
                TaskRequest.builder("backup", TaskTarget.agent(db.agent().id())).build());
        AgentTask newDocker = tasks.submit(deploy("{}"));
        AgentTask prodOnly = tasks.submit(TaskRequest.builder(
                        "deploy",
                        TaskTarget.matching(TaskSelector.capability("docker").withLabel("env", "prod")))
                .build());

        assertThat(tasks.claim(web.agent().id(), thumb(web), 10))
                .extracting(a -> a.lease().taskId())
                .containsExactly(newDocker.id());
        assertThat(tasks.claim(db.agent().id(), thumb(db), 10))
                .extracting(a -> a.lease().taskId())
                .containsExactlyInAnyOrder(forDb.id(), prodOnly.id());
    }

    @Test
    void priorityComesFirstThenSubmissionOrder() {
        Registration web = fleet.register("web");
        fleet.beat(web);
        AgentTask low = tasks.submit(deploy("{\"n\":1}"));
        AgentTask high = tasks.submit(
                TaskRequest.builder("deploy", TaskTarget.agent(web.agent().id()))
                        .priority(10)
                        .build());
        AgentTask low2 = tasks.submit(deploy("{\"n\":2}"));
        assertThat(tasks.claim(web.agent().id(), thumb(web), 3))
                .extracting(a -> a.lease().taskId())
                .containsExactly(high.id(), low.id(), low2.id());
    }

    @Test
    void theHeartbeatResponseSaysWorkWaitsAndWhichHeldAttemptsToStop() {
        Registration web = fleet.register("web");
        assertThat(fleet.beat(web).tasks().waiting()).isZero();
        tasks.submit(deploy("{}"));
        HeartbeatResponse response = fleet.beat(web);
        assertThat(response.tasks().waiting()).isEqualTo(1);

        TaskLease lease = tasks.claim(web.agent().id(), thumb(web), 1).get(0).lease();
        tasks.cancel(lease.taskId());
        Heartbeat withLeases = Heartbeat.builder(web.agent().id(), thumb(web))
                .bootEpoch(1)
                .sequence(fleet.nextSeq(web.agent().id()))
                .heldTasks(List.of(lease, new TaskLease(lease.taskId(), 7), new TaskLease("000000000000unknown", 1)))
                .build();
        assertThat(fleet.manager
                        .heartbeatProcessor()
                        .process(withLeases)
                        .tasks()
                        .stop())
                .containsExactly(
                        new TaskStop(lease, TaskStop.Reason.CANCEL),
                        new TaskStop(new TaskLease(lease.taskId(), 7), TaskStop.Reason.SUPERSEDED),
                        new TaskStop(new TaskLease("000000000000unknown", 1), TaskStop.Reason.UNKNOWN));
    }

    @Test
    void aLongPollCompletesWhenMatchingWorkIsSubmittedOnThisReplica() throws Exception {
        Registration web = fleet.register("web");
        fleet.beat(web);
        CompletableFuture<Boolean> waiting = tasks.awaitWork(web.agent().id(), thumb(web), Duration.ofMinutes(5));
        assertThat(waiting).isNotDone();
        tasks.submit(TaskRequest.builder("deploy", TaskTarget.matching(TaskSelector.capability("kubectl")))
                .build());
        assertThat(waiting).isNotDone(); // not for this agent
        tasks.submit(deploy("{}"));
        assertThat(waiting).isCompletedWithValue(true);
        // a timeout completes with false
        CompletableFuture<Boolean> idle =
                fleet.manager.tasks().awaitWork(web.agent().id(), thumb(web), Duration.ofMillis(1));
        tasks.claim(web.agent().id(), thumb(web), 1);
        assertThat(tasks.awaitWork(web.agent().id(), thumb(web), Duration.ZERO).get())
                .isTrue(); // one still queued
        assertThat(idle.get()).isNotNull();
    }

    @Test
    void logChunksAreAppendedByOffsetSoARetriedChunkIsNotDuplicated() {
        Registration web = fleet.register("web");
        fleet.beat(web);
        tasks.submit(deploy("{}"));
        TaskLease lease = tasks.claim(web.agent().id(), thumb(web), 1).get(0).lease();
        byte[] first = "pulling image\n".getBytes(StandardCharsets.UTF_8);
        byte[] second = "starting\n".getBytes(StandardCharsets.UTF_8);
        assertThat(tasks.appendLog(web.agent().id(), thumb(web), lease, 0, first))
                .isEqualTo(first.length);
        assertThat(tasks.appendLog(web.agent().id(), thumb(web), lease, 0, first))
                .isEqualTo(first.length); // retry
        assertThat(tasks.appendLog(web.agent().id(), thumb(web), lease, first.length, second))
                .isEqualTo(first.length + second.length);
        assertThatThrownBy(() -> tasks.appendLog(web.agent().id(), thumb(web), lease, 100, second))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("23 bytes long");
        assertThat(new String(tasks.log(lease, 0, 1000), StandardCharsets.UTF_8))
                .isEqualTo("pulling image\nstarting\n");
        assertThat(new String(tasks.log(lease, 8, 5), StandardCharsets.UTF_8)).isEqualTo("image");
    }

    @Test
    void rerunMakesALinkedNewTaskOfAFinishedOneAndQueriesPageByIdAndCountByStatus() {
        AgentTask first = tasks.submit(deploy("{\"n\":1}"));
        assertThatThrownBy(() -> tasks.rerun(first.id())).isInstanceOf(InvalidRequestException.class);
        tasks.cancel(first.id());
        AgentTask again = tasks.rerun(first.id());
        assertThat(again.rerunOf()).isEqualTo(first.id());
        assertThat(again.request().payload()).isEqualTo(first.request().payload());
        assertThatThrownBy(() -> tasks.rerun("nope")).isInstanceOf(TaskNotFoundException.class);

        for (int i = 0; i < 5; i++) {
            tasks.submit(deploy("{}"));
        }
        List<AgentTask> page1 = tasks.find(TaskQuery.status(TaskStatus.QUEUED).withLimit(4));
        List<AgentTask> page2 = tasks.find(TaskQuery.status(TaskStatus.QUEUED)
                .withLimit(4)
                .after(page1.get(3).id()));
        assertThat(page1).hasSize(4);
        assertThat(page2).hasSize(2);
        assertThat(page1.get(0).id()).isEqualTo(again.id()); // ids sort in submission order
        assertThat(tasks.count(TaskStatus.QUEUED)).isEqualTo(6);
        assertThat(tasks.count(TaskStatus.CANCELLED)).isEqualTo(1);
    }

    @Test
    void finishedTasksArePrunedAfterTheRetention() {
        AgentTask old = tasks.submit(deploy("{}"));
        tasks.cancel(old.id());
        fleet.clock.advance(Duration.ofDays(8));
        AgentTask recent = tasks.submit(deploy("{}"));
        tasks.cancel(recent.id());
        assertThat(tasks.prune()).isEqualTo(1);
        assertThat(tasks.find(old.id())).isEmpty();
        assertThat(tasks.find(recent.id())).isPresent();
    }
}
