package dev.agentmanager.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.TaskSettings;
import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.exception.TaskFencedException;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.Registration;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.AgentTasks;
import dev.agentmanager.task.RetryPolicy;
import dev.agentmanager.task.TaskLease;
import dev.agentmanager.task.TaskPayload;
import dev.agentmanager.task.TaskReport;
import dev.agentmanager.task.TaskRequest;
import dev.agentmanager.task.TaskSelector;
import dev.agentmanager.task.TaskStatus;
import dev.agentmanager.task.TaskTarget;
import dev.agentmanager.task.TaskTimeouts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What happens to an attempt when its agent goes away, comes back, restarts or is revoked, when time runs out, and
 * when the orchestrator cancels: never-started attempts are queued again, started ones only if idempotent.
 */
class TaskFailoverTest {
    private static final Duration LOST_AFTER = Duration.ofMinutes(2);
    private final Fleet fleet = new Fleet(b -> b.tasks(TaskSettings.defaults().withLostAfter(LOST_AFTER)));
    private final AgentTasks tasks = fleet.manager.tasks();
    private Registration web;
    private Registration db;

    @BeforeEach
    void twoActiveAgents() {
        fleet.monitor().runOnce(); // the first sweep only grants grace
        web = fleet.register("web");
        db = fleet.register("db");
        fleet.beat(web);
        fleet.beat(db);
    }

    private AgentTask submit(RetryPolicy retry) {
        return tasks.submit(TaskRequest.builder("deploy", TaskTarget.matching(TaskSelector.capability("docker")))
                .retry(retry)
                .build());
    }

    private TaskLease claim(Registration r) {
        return tasks.claim(r.agent().id(), r.certificate().thumbprint(), 1)
                .get(0)
                .lease();
    }

    private void report(Registration r, TaskReport report) {
        tasks.report(r.agent().id(), r.certificate().thumbprint(), report);
    }

    private AgentTask task(String id) {
        return tasks.find(id).orElseThrow();
    }

    /** Only {@code alive} heartbeats, every interval, while the clock runs for {@code duration}. */
    private void onlyBeats(Duration duration, Registration... alive) {
        for (long s = 1; s <= duration.toSeconds(); s++) {
            fleet.clock.advance(Duration.ofSeconds(1));
            if (s % Fleet.INTERVAL.toSeconds() == 0) {
                for (Registration r : alive) {
                    fleet.beat(r);
                }
            }
            fleet.monitor().runOnce();
        }
    }

    @Test
    void anAttemptThatNeverStartedIsQueuedAgainWhenItsAgentGoesInactiveAndItsLateStartIsFenced() {
        AgentTask task = submit(RetryPolicy.once());
        TaskLease first = claim(web);
        onlyBeats(Fleet.TIMEOUT.plusSeconds(5), db);
        assertThat(fleet.agent(web.agent().id()).status()).isEqualTo(AgentStatus.INACTIVE);
        assertThat(task(task.id()).status()).isEqualTo(TaskStatus.QUEUED);
        assertThat(fleet.events.single(AgentEvent.TaskRequeued.class).started()).isFalse();

        TaskLease second = claim(db);
        assertThat(second).isEqualTo(new TaskLease(task.id(), 2));
        fleet.beat(web); // web comes back and reports the start of its old attempt
        assertThatThrownBy(() -> report(web, new TaskReport.Started(first))).isInstanceOf(TaskFencedException.class);
        assertThat(task(task.id()).state().agentId()).isEqualTo(db.agent().id());
        report(db, new TaskReport.Succeeded(second, TaskPayload.empty()));
        assertThat(task(task.id()).status()).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(tasks.attempts(task.id()))
                .extracting(a -> a.outcome())
                .containsExactly(TaskStatus.QUEUED, TaskStatus.SUCCEEDED);
    }

    @Test
    void aStartedAttemptWaitsOutTheGraceWhileItsAgentIsDisconnectedAndContinuesIfItReturns() {
        AgentTask task = submit(RetryPolicy.once());
        TaskLease lease = claim(web);
        report(web, new TaskReport.Started(lease));
        onlyBeats(Fleet.TIMEOUT.plusSeconds(5), db);
        assertThat(fleet.agent(web.agent().id()).status()).isEqualTo(AgentStatus.INACTIVE);
        assertThat(task(task.id()).status()).isEqualTo(TaskStatus.RUNNING);
        assertThat(task(task.id()).state().agentLostAt()).isNotNull();
        assertThat(tasks.explain(task.id()).reasons())
                .anySatisfy(r -> assertThat(r).contains("declared lost at"));

        fleet.beat(web); // back within the grace
        assertThat(task(task.id()).state().agentLostAt()).isNull();
        report(web, new TaskReport.Succeeded(lease, TaskPayload.empty()));
        assertThat(task(task.id()).status()).isEqualTo(TaskStatus.SUCCEEDED);
    }

    @Test
    void aStartedAttemptWhoseAgentStaysAwayEndsLostUnlessTheTaskIsIdempotentAndTheLateSuccessIsKept() {
        AgentTask once = submit(RetryPolicy.once());
        AgentTask idempotent = submit(RetryPolicy.idempotent(3));
        TaskLease onceLease = claim(web);
        TaskLease idemLease = claim(web);
        report(web, new TaskReport.Started(onceLease));
        report(web, new TaskReport.Progress(idemLease, 10, "started"));
        onlyBeats(Fleet.TIMEOUT.plus(LOST_AFTER).plusSeconds(5), db);

        assertThat(task(once.id()).status()).isEqualTo(TaskStatus.LOST);
        assertThat(task(once.id()).state().reason()).contains("inactive");
        assertThat(task(idempotent.id()).status()).isEqualTo(TaskStatus.QUEUED);
        assertThat(fleet.events.events(AgentEvent.TaskRequeued.class))
                .singleElement()
                .satisfies(e -> assertThat(e.started()).isTrue());

        // the agent returns and says the lost attempt did succeed: refused, but kept and published
        fleet.beat(web);
        assertThatThrownBy(() -> report(web, new TaskReport.Succeeded(onceLease, TaskPayload.empty())))
                .isInstanceOf(TaskFencedException.class);
        assertThat(task(once.id()).status()).isEqualTo(TaskStatus.LOST);
        assertThat(tasks.attempts(once.id()))
                .singleElement()
                .satisfies(a -> assertThat(a.lateReport()).isEqualTo("succeeded"));
        assertThat(fleet.events.single(AgentEvent.TaskLateReport.class).taskId())
                .isEqualTo(once.id());
    }

    @Test
    void aRestartEndsTheAgentsAttemptsAtOnce() {
        AgentTask notStarted = submit(RetryPolicy.once());
        AgentTask started = submit(RetryPolicy.once());
        claim(web);
        TaskLease startedLease = claim(web);
        report(web, new TaskReport.Started(startedLease));

        fleet.manager
                .heartbeatProcessor()
                .process(Heartbeat.of(web.agent().id(), web.certificate().thumbprint(), 2, 1)); // new boot epoch
        assertThat(task(notStarted.id()).status()).isEqualTo(TaskStatus.QUEUED);
        assertThat(task(started.id()).status()).isEqualTo(TaskStatus.LOST);
        assertThat(task(started.id()).state().reason()).contains("restarted");
    }

    @Test
    void aRevokedAgentsAttemptsEndAndItsReportsAreRefused() {
        AgentTask task = submit(RetryPolicy.idempotent(2));
        TaskLease lease = claim(web);
        report(web, new TaskReport.Started(lease));
        fleet.manager.revoke(web.agent().id());
        assertThat(task(task.id()).status()).isEqualTo(TaskStatus.QUEUED); // idempotent: another agent may run it
        assertThatThrownBy(() -> report(web, new TaskReport.Succeeded(lease, TaskPayload.empty())))
                .isInstanceOf(dev.agentmanager.exception.AgentRevokedException.class);
        assertThat(claim(db).attempt()).isEqualTo(2);
    }

    @Test
    void timeoutsEndTasksAndAQueuedTaskThatTimesOutSaysWhy() {
        TaskTimeouts t = TaskTimeouts.defaults()
                .withScheduleToStart(Duration.ofMinutes(1))
                .withProgress(Duration.ofMinutes(1))
                .withStartToClose(Duration.ofMinutes(3));
        AgentTask nobody =
                tasks.submit(TaskRequest.builder("deploy", TaskTarget.matching(TaskSelector.capability("docker", "99")))
                        .timeouts(t)
                        .build());
        AgentTask silent = tasks.submit(
                TaskRequest.builder("deploy", TaskTarget.agent(web.agent().id()))
                        .timeouts(t)
                        .build());
        AgentTask slow = tasks.submit(
                TaskRequest.builder("deploy", TaskTarget.agent(db.agent().id()))
                        .timeouts(t)
                        .build());
        TaskLease silentLease = claim(web);
        report(web, new TaskReport.Started(silentLease));
        TaskLease slowLease = claim(db);
        report(db, new TaskReport.Started(slowLease));
        for (int i = 0; i < 4; i++) { // db reports every 45 s; web never again
            onlyBeats(Duration.ofSeconds(45), web, db);
            if (task(slow.id()).status() == TaskStatus.RUNNING) {
                report(db, new TaskReport.Progress(slowLease, null, "still going"));
            }
        }
        assertThat(task(nobody.id()).status()).isEqualTo(TaskStatus.TIMED_OUT);
        assertThat(task(nobody.id()).state().reason())
                .contains("not claimed within PT1M")
                .contains("no ACTIVE agent with capability docker ≥ 99 in its scope");
        assertThat(task(silent.id()).status()).isEqualTo(TaskStatus.TIMED_OUT);
        assertThat(task(silent.id()).state().reason()).contains("no progress reported within PT1M");
        assertThat(task(slow.id()).status()).isEqualTo(TaskStatus.TIMED_OUT);
        assertThat(task(slow.id()).state().reason()).contains("not finished within PT3M");
    }

    @Test
    void cancelEndsAQueuedTaskAtOnceAndAHeldOneWhenTheAgentAcknowledges() {
        AgentTask queued = submit(RetryPolicy.once());
        assertThat(tasks.cancel(queued.id()).status()).isEqualTo(TaskStatus.CANCELLED);

        AgentTask running = submit(RetryPolicy.once());
        TaskLease lease = claim(web);
        report(web, new TaskReport.Started(lease));
        assertThat(tasks.cancel(running.id()).state().cancelRequested()).isTrue();
        assertThat(fleet.beat(web).tasks().stop()).extracting(s -> s.lease()).containsExactly(lease);
        assertThat(tasks.report(
                                web.agent().id(),
                                web.certificate().thumbprint(),
                                new TaskReport.Progress(lease, 50, null))
                        .cancelRequested())
                .isTrue();
        report(web, new TaskReport.Cancelled(lease));
        assertThat(task(running.id()).status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(task(running.id()).state().reason()).isEqualTo("cancelled on request");
    }

    @Test
    void anUnacknowledgedCancelEndsCancelledWhenTheProgressTimeoutPasses() {
        AgentTask task = tasks.submit(
                TaskRequest.builder("deploy", TaskTarget.agent(web.agent().id()))
                        .timeouts(TaskTimeouts.defaults().withProgress(Duration.ofMinutes(1)))
                        .build());
        TaskLease lease = claim(web);
        report(web, new TaskReport.Started(lease));
        tasks.cancel(task.id());
        onlyBeats(Duration.ofSeconds(65), web, db);
        assertThat(task(task.id()).status()).isEqualTo(TaskStatus.CANCELLED);
    }

    @Test
    void anAgentHoldsAtMostItsCapacityAndAConcurrencyGroupHoldsAtMostItsLimitFleetWide() {
        Fleet small = new Fleet(b -> b.tasks(TaskSettings.defaults().withAgentCapacity(1)));
        AgentTasks t = small.manager.tasks();
        Registration a = small.register("a");
        Registration b = small.register("b");
        small.beat(a);
        small.beat(b);
        AgentTask one = t.submit(
                TaskRequest.builder("deploy", TaskTarget.agent(a.agent().id())).build());
        AgentTask two = t.submit(
                TaskRequest.builder("deploy", TaskTarget.agent(a.agent().id())).build());
        assertThat(t.claim(a.agent().id(), a.certificate().thumbprint(), 5)).hasSize(1);
        assertThat(t.explain(two.id()).reasons())
                .containsExactly("agent " + a.agent().id() + " at capacity (1 of 1)");

        TaskRequest prod = TaskRequest.builder("deploy", TaskTarget.matching(TaskSelector.capability("docker")))
                .concurrencyGroup("env-prod", 1)
                .build();
        AgentTask p1 = t.submit(prod);
        AgentTask p2 = t.submit(prod);
        assertThat(t.claim(b.agent().id(), b.certificate().thumbprint(), 1)).hasSize(1);
        assertThat(t.explain(p2.id()).reasons()).contains("concurrency group env-prod busy (1 of 1 held)");
        t.report(
                a.agent().id(),
                a.certificate().thumbprint(),
                new TaskReport.Succeeded(new TaskLease(one.id(), 1), TaskPayload.empty()));
        // a is free again, but p2's group is still held by b's attempt of p1
        assertThat(t.claim(a.agent().id(), a.certificate().thumbprint(), 5))
                .extracting(x -> x.lease().taskId())
                .containsExactly(two.id());
        assertThat(t.find(p1.id()).orElseThrow().state().agentId())
                .isEqualTo(b.agent().id());
    }

    @Test
    void anOperatorsDeactivationDrainsTheAgentNoNewTasksButItFinishesWhatItHolds() {
        AgentTask first = submit(RetryPolicy.once());
        TaskLease lease = claim(web);
        fleet.manager.deactivate(web.agent().id());
        submit(RetryPolicy.once());
        assertThat(tasks.claim(web.agent().id(), web.certificate().thumbprint(), 5))
                .isEmpty();
        report(web, new TaskReport.Succeeded(lease, TaskPayload.empty()));
        assertThat(task(first.id()).status()).isEqualTo(TaskStatus.SUCCEEDED);
    }

    @Test
    void whileSelfPreservationHoldsAgentExpiriesTheirStartedAttemptsAreNotDeclaredLost() {
        Fleet big = new Fleet(b -> b.tasks(TaskSettings.defaults().withLostAfter(Duration.ofSeconds(10))));
        big.monitor().runOnce();
        List<Registration> agents = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Registration r = big.register("agent-" + i);
            big.beat(r);
            agents.add(r);
        }
        AgentTasks t = big.manager.tasks();
        List<String> ids = new ArrayList<>();
        for (Registration r : agents) {
            AgentTask task = t.submit(
                    TaskRequest.builder("deploy", TaskTarget.agent(r.agent().id()))
                            .timeouts(TaskTimeouts.defaults().withProgress(Duration.ofSeconds(100)))
                            .build());
            ids.add(task.id());
            TaskLease lease = t.claim(r.agent().id(), r.certificate().thumbprint(), 1)
                    .get(0)
                    .lease();
            t.report(r.agent().id(), r.certificate().thumbprint(), new TaskReport.Started(lease));
        }
        // the whole fleet goes silent (our network, not theirs): agents overdue at 90 s, reports due at 100 s
        big.sweepEverySecondFor(Fleet.TIMEOUT.plusSeconds(15));
        assertThat(big.monitor().isHoldingExpiries()).isTrue();
        long lost = ids.stream()
                .filter(id -> t.find(id).orElseThrow().status() == TaskStatus.LOST)
                .count();
        long inactive = agents.stream()
                .filter(r -> big.agent(r.agent().id()).status() == AgentStatus.INACTIVE)
                .count();
        assertThat(inactive).isLessThan(agents.size());
        assertThat(lost).isLessThanOrEqualTo(inactive); // only the expired agents' attempts may be lost
        assertThat(ids.stream()
                        .filter(id -> t.find(id).orElseThrow().status() == TaskStatus.RUNNING)
                        .count())
                .isGreaterThanOrEqualTo(agents.size() - inactive);
    }
}
