package dev.agentmanager;

import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.TaskPayload;
import dev.agentmanager.task.TaskState;
import dev.agentmanager.task.TaskStatus;
import dev.agentmanager.task.TaskTimeouts;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The task state machine as pure functions: each takes a task as stored and returns its next state. Callers store
 * it with a version check and publish the events.
 *
 * <p>The rule that matters most: an attempt whose start was never reported never ran and is queued again at no
 * risk; one that started may have run, and is queued again only for an idempotent task with started attempts
 * left. Otherwise its unknown outcome ends the task (LOST or TIMED_OUT) and the host decides.
 */
final class TaskRules {
    /** Claims that never start, beyond the started attempts allowed, before a task times out instead. */
    static final int MAX_UNSTARTED_CLAIMS = 10;

    private final TaskSettings settings;

    TaskRules(TaskSettings settings) {
        this.settings = settings;
    }

    /** The state of a freshly queued task. */
    TaskState queued(TaskTimeouts timeouts, Instant now) {
        return TaskState.queued(now, now.plus(timeouts.scheduleToStart()));
    }

    TaskState claim(AgentTask task, String agentId, long bootEpoch, Instant now) {
        TaskStateDraft d = new TaskStateDraft(task.state());
        d.status = TaskStatus.CLAIMED;
        d.attempt = task.state().attempt() + 1;
        d.agentId = agentId;
        d.agentBootEpoch = bootEpoch;
        d.claimedAt = now;
        d.startedAt = null;
        d.reportedAt = now;
        d.percent = null;
        d.message = null;
        d.agentLostAt = null;
        d.reason = null;
        d.deadline = heldDeadline(task.timeouts(), d);
        return d.build();
    }

    /** The attempt's start (also implied by a progress or final report that comes first). */
    TaskState start(AgentTask task, Instant now) {
        TaskStateDraft d = new TaskStateDraft(task.state());
        if (d.status == TaskStatus.CLAIMED) {
            d.status = TaskStatus.RUNNING;
            d.startedAttempts++;
            d.startedAt = now;
        }
        d.reportedAt = now;
        d.agentLostAt = null;
        d.deadline = heldDeadline(task.timeouts(), d);
        return d.build();
    }

    TaskState progress(AgentTask task, @Nullable Integer percent, @Nullable String message, Instant now) {
        TaskStateDraft d = new TaskStateDraft(start(task, now));
        if (percent != null) {
            d.percent = percent;
        }
        if (message != null) {
            d.message = message;
        }
        return d.build();
    }

    TaskState finish(
            AgentTask task, TaskStatus status, @Nullable TaskPayload result, @Nullable String reason, Instant now) {
        TaskStateDraft d = new TaskStateDraft(
                task.state().status() == TaskStatus.CLAIMED && isReport(status) ? start(task, now) : task.state());
        d.status = status;
        d.deadline = null;
        d.finishedAt = now;
        d.result = result;
        d.reason = reason;
        return d.build();
    }

    private static boolean isReport(TaskStatus status) {
        return status == TaskStatus.SUCCEEDED || status == TaskStatus.FAILED;
    }

    TaskState requestCancel(AgentTask task) {
        TaskStateDraft d = new TaskStateDraft(task.state());
        d.cancelRequested = true;
        return d.build();
    }

    /** The holding agent went INACTIVE: a started attempt waits {@code lostAfter} for it to come back. */
    TaskState agentLost(AgentTask task, Instant now) {
        TaskStateDraft d = new TaskStateDraft(task.state());
        d.agentLostAt = now;
        d.deadline = heldDeadline(task.timeouts(), d);
        return d.build();
    }

    /** The holding agent came back: its attempt is no longer about to be declared lost. */
    TaskState agentBack(AgentTask task) {
        TaskStateDraft d = new TaskStateDraft(task.state());
        d.agentLostAt = null;
        d.deadline = heldDeadline(task.timeouts(), d);
        return d.build();
    }

    /**
     * The end of the current attempt for a reason other than the agent's own report: queued again if that is
     * safe (never started) or allowed (idempotent, started attempts left); otherwise finished with
     * {@code unsafeEnd} (LOST or TIMED_OUT). A cancel request turns any end into CANCELLED.
     */
    TaskState endAttempt(AgentTask task, TaskStatus unsafeEnd, String reason, Instant now) {
        TaskState s = task.state();
        if (s.cancelRequested()) {
            return finish(task, TaskStatus.CANCELLED, null, "cancelled; the agent did not acknowledge: " + reason, now);
        }
        boolean started = s.status() == TaskStatus.RUNNING;
        if (!started) {
            int unstarted = s.attempt() - s.startedAttempts();
            if (unstarted >= task.request().retry().maxAttempts() + MAX_UNSTARTED_CLAIMS) {
                return finish(
                        task, TaskStatus.TIMED_OUT, null, unstarted + " claims never started; last: " + reason, now);
            }
            return requeue(task, reason, now);
        }
        if (task.request().retry().idempotent()
                && s.startedAttempts() < task.request().retry().maxAttempts()) {
            return requeue(task, reason, now);
        }
        return finish(task, unsafeEnd, null, reason, now);
    }

    private TaskState requeue(AgentTask task, String reason, Instant now) {
        TaskStateDraft d = new TaskStateDraft(task.state());
        d.status = TaskStatus.QUEUED;
        d.queuedAt = now;
        d.claimedAt = null;
        d.startedAt = null;
        d.reportedAt = null;
        d.percent = null;
        d.message = null;
        d.agentLostAt = null;
        d.deadline = now.plus(task.timeouts().scheduleToStart());
        d.reason = reason;
        return d.build();
    }

    /**
     * What a due task's deadline means at {@code now}: the end its attempt comes to, or null if nothing is due yet
     * (a report moved the deadline since it was found).
     */
    @Nullable
    Due due(AgentTask task, Instant now) {
        TaskState s = task.state();
        Instant deadline = s.deadline();
        if (deadline == null || deadline.isAfter(now)) {
            return null;
        }
        if (s.status() == TaskStatus.QUEUED) {
            return new Due(
                    TaskStatus.TIMED_OUT,
                    "not claimed within " + task.timeouts().scheduleToStart(),
                    false);
        }
        TaskTimeouts t = task.timeouts();
        if (s.agentLostAt() != null
                && !s.agentLostAt().plus(settings.lostAfter()).isAfter(now)) {
            return new Due(TaskStatus.LOST, "agent " + s.agentId() + " inactive for " + settings.lostAfter(), true);
        }
        if (s.claimedAt() != null && !s.claimedAt().plus(t.startToClose()).isAfter(now)) {
            return new Due(TaskStatus.TIMED_OUT, "attempt not finished within " + t.startToClose(), false);
        }
        String what = s.status() == TaskStatus.CLAIMED ? "no start reported" : "no progress reported";
        return new Due(TaskStatus.TIMED_OUT, what + " within " + t.progress(), true);
    }

    /**
     * How a due attempt ends if it ends unsafely, and why; {@code agentSilent} when the cause is the agent's
     * silence (lost, no report), which self-preservation holds back like agent expiries.
     */
    record Due(TaskStatus unsafeEnd, String reason, boolean agentSilent) {}

    /** The earliest of the timeouts that apply to a held attempt. */
    private Instant heldDeadline(TaskTimeouts t, TaskStateDraft d) {
        Instant claimed = java.util.Objects.requireNonNull(d.claimedAt);
        Instant reported = d.reportedAt == null ? claimed : d.reportedAt;
        Instant deadline = min(claimed.plus(t.startToClose()), reported.plus(t.progress()));
        if (d.agentLostAt != null) {
            deadline = min(deadline, d.agentLostAt.plus(settings.lostAfter()));
        }
        return deadline;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
