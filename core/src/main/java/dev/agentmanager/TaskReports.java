package dev.agentmanager;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.exception.TaskFencedException;
import dev.agentmanager.exception.TaskNotFoundException;
import dev.agentmanager.internal.EventDispatcher;
import dev.agentmanager.internal.RequestValidator;
import dev.agentmanager.model.Agent;
import dev.agentmanager.spi.TaskStore;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.TaskAttempt;
import dev.agentmanager.task.TaskControl;
import dev.agentmanager.task.TaskLease;
import dev.agentmanager.task.TaskReport;
import dev.agentmanager.task.TaskState;
import dev.agentmanager.task.TaskStatus;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Agents' reports about the attempts they hold, fenced by the lease: a report about the task's current attempt by
 * its agent changes the task; the same report repeated (its reply was lost) changes nothing more and is answered
 * again; any other is refused with a {@link TaskFencedException}, and if it comes from the agent of an ended
 * attempt it is kept in that attempt's history and published, since it says what that attempt did to the host.
 */
final class TaskReports {
    static final int MAX_MESSAGE_LENGTH = 256;
    static final int MAX_REASON_LENGTH = 4_096;
    static final int MAX_LOG_CHUNK = 64 * 1024;

    private final TaskStore store;
    private final TaskWriter writer;
    private final TaskRules rules;
    private final TaskSettings settings;
    private final RequestValidator validator;
    private final EventDispatcher events;

    TaskReports(
            TaskStore store,
            TaskWriter writer,
            TaskRules rules,
            TaskSettings settings,
            RequestValidator validator,
            EventDispatcher events) {
        this.store = store;
        this.writer = writer;
        this.rules = rules;
        this.settings = settings;
        this.validator = validator;
        this.events = events;
    }

    TaskControl report(Agent agent, TaskReport report, Instant now) {
        validate(report);
        TaskLease lease = report.lease();
        AgentTask[] fencedTask = new AgentTask[1];
        AgentTask after = writer.update(lease.taskId(), now, task -> {
            fencedTask[0] = null;
            if (!isCurrent(task, lease, agent)) {
                fencedTask[0] = task;
                return null;
            }
            if (task.status().isHeld()) {
                return apply(task, report, now);
            }
            if (isRepeat(task, report)) {
                return null; // its reply was lost: answer again
            }
            fencedTask[0] = task;
            return null;
        });
        if (fencedTask[0] != null) {
            throw late(fencedTask[0], agent, report, now);
        }
        return new TaskControl(
                after.status(),
                after.state().cancelRequested() && after.status().isHeld());
    }

    long appendLog(Agent agent, TaskLease lease, long offset, byte[] chunk) {
        if (offset < 0) {
            throw new InvalidRequestException("offset", "must be >= 0");
        }
        if (chunk.length > MAX_LOG_CHUNK) {
            throw new InvalidRequestException("chunk", chunk.length + " bytes, more than " + MAX_LOG_CHUNK);
        }
        if (offset + chunk.length > settings.maxLogBytes()) {
            throw new InvalidRequestException("chunk", "the attempt's log would exceed " + settings.maxLogBytes());
        }
        AgentTask task = store.findTask(lease.taskId()).orElseThrow(() -> new TaskNotFoundException(lease.taskId()));
        if (!isCurrent(task, lease, agent) || !task.status().isHeld()) {
            throw TaskService.fenced(lease, "not a held attempt of agent " + agent.id());
        }
        long length = store.appendLog(lease.taskId(), lease.attempt(), offset, chunk);
        if (length == offset + chunk.length || offset + chunk.length <= length) {
            return length; // appended, or a retried chunk already there
        }
        throw new InvalidRequestException("offset", "the log is " + length + " bytes long, not " + offset);
    }

    private void validate(TaskReport report) {
        if (report instanceof TaskReport.Progress p) {
            if (p.percent() != null && (p.percent() < 0 || p.percent() > 100)) {
                throw new InvalidRequestException("percent", "must be in [0, 100]");
            }
            if (p.message() != null) {
                validator.text("message", p.message(), MAX_MESSAGE_LENGTH);
            }
        } else if (report instanceof TaskReport.Succeeded s && s.result().size() > settings.maxPayloadBytes()) {
            throw new InvalidRequestException(
                    "result", s.result().size() + " bytes, more than " + settings.maxPayloadBytes());
        } else if (report instanceof TaskReport.Failed f) {
            validator.text("reason", f.reason(), MAX_REASON_LENGTH);
        }
    }

    private static boolean isCurrent(AgentTask task, TaskLease lease, Agent agent) {
        return task.state().attempt() == lease.attempt()
                && agent.id().equals(task.state().agentId());
    }

    private @Nullable TaskState apply(AgentTask task, TaskReport report, Instant now) {
        if (report instanceof TaskReport.Started) {
            return rules.start(task, now);
        }
        if (report instanceof TaskReport.Progress p) {
            return rules.progress(task, p.percent(), p.message(), now);
        }
        if (report instanceof TaskReport.Succeeded s) {
            return rules.finish(task, TaskStatus.SUCCEEDED, s.result(), null, now);
        }
        if (report instanceof TaskReport.Failed f) {
            return rules.finish(task, TaskStatus.FAILED, null, f.reason(), now);
        }
        String why = task.state().cancelRequested() ? "cancelled on request" : "cancelled by the agent";
        return rules.finish(task, TaskStatus.CANCELLED, null, why, now);
    }

    /** Whether a report about the current attempt only repeats what the task already says. */
    private static boolean isRepeat(AgentTask task, TaskReport report) {
        TaskStatus status = task.status();
        return report instanceof TaskReport.Succeeded && status == TaskStatus.SUCCEEDED
                || report instanceof TaskReport.Failed && status == TaskStatus.FAILED
                || report instanceof TaskReport.Cancelled && status == TaskStatus.CANCELLED;
    }

    /**
     * The refusal of a fenced report; kept in the history of the attempt it names if that attempt was the reporting
     * agent's.
     */
    private TaskFencedException late(AgentTask task, Agent agent, TaskReport report, Instant now) {
        TaskLease lease = report.lease();
        Optional<TaskAttempt> attempt = store.findAttempts(task.id()).stream()
                .filter(a -> a.attempt() == lease.attempt() && a.agentId().equals(agent.id()))
                .findFirst();
        if (attempt.isEmpty()) {
            return TaskService.fenced(lease, "not an attempt of agent " + agent.id());
        }
        String what = describe(report);
        store.recordLateReport(task.id(), lease.attempt(), what);
        events.publish(new AgentEvent.TaskLateReport(now, task.id(), lease.attempt(), agent.id(), what));
        return TaskService.fenced(
                lease,
                "the attempt ended " + attempt.get().outcome() + " (task now " + task.status() + ", attempt "
                        + task.state().attempt() + ")");
    }

    private static String describe(TaskReport report) {
        if (report instanceof TaskReport.Succeeded s) {
            return "succeeded"
                    + (s.result().size() == 0 ? "" : " (" + s.result().size() + " bytes of result)");
        }
        if (report instanceof TaskReport.Failed f) {
            return "failed: " + f.reason();
        }
        if (report instanceof TaskReport.Progress p) {
            return "progress" + (p.percent() == null ? "" : " " + p.percent() + "%")
                    + (p.message() == null ? "" : ": " + p.message());
        }
        return report instanceof TaskReport.Started ? "started" : "cancelled";
    }
}
