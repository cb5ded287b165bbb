package dev.agentmanager;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.event.AgentEventListener;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.spi.TaskStore;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.TaskStatus;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;

/**
 * Ends task attempts when time or the agent says so: the monitor's sweep hands it the due tasks (timeouts,
 * lost agents' grace), and the manager's own agent events end the attempts of agents that went inactive, were
 * revoked or restarted. Every end is a conditional write, so of several replicas exactly one makes it.
 */
final class TaskSweeper implements AgentEventListener {
    private static final System.Logger LOG = System.getLogger(TaskSweeper.class.getName());
    static final Duration PRUNE_INTERVAL = Duration.ofMinutes(10);

    private final TaskService tasks;
    private final TaskStore store;
    private final TaskRules rules;
    private final TaskWriter writer;
    private final Clock clock;
    private final int batchSize;
    private Instant nextPruneAt = Instant.MIN;

    TaskSweeper(TaskService tasks, Clock clock, int batchSize) {
        this.tasks = tasks;
        this.store = tasks.store();
        this.rules = tasks.rules();
        this.writer = tasks.writer();
        this.clock = clock;
        this.batchSize = batchSize;
    }

    /**
     * Ends the attempts whose deadline is at or before {@code cutoff} (the monitor's "now" less the pauses it
     * compensates). While the monitor holds agent expiries back, the attempts of agents that stopped reporting
     * are held too: their progress and lost deadlines wait.
     *
     * @return how many tasks changed
     */
    int sweep(Instant now, Instant cutoff, boolean holdingExpiries) {
        if (!now.isBefore(nextPruneAt)) {
            nextPruneAt = now.plus(PRUNE_INTERVAL);
            tasks.prune();
        }
        int changed = 0;
        for (AgentTask task : store.findTasksDueBy(cutoff, batchSize)) {
            TaskRules.Due due = rules.due(task, cutoff);
            if (due == null) {
                continue;
            }
            if (holdingExpiries && due.agentSilent()) {
                continue;
            }
            AgentTask ended = task.status() == TaskStatus.QUEUED
                    ? task.withState(rules.finish(task, TaskStatus.TIMED_OUT, null, timedOutInQueue(task, due), now))
                    : task.withState(rules.endAttempt(task, due.unsafeEnd(), due.reason(), now));
            if (writer.tryUpdate(task, ended.state(), now).isPresent()) {
                changed++;
            }
        }
        return changed;
    }

    private String timedOutInQueue(AgentTask task, TaskRules.Due due) {
        List<String> why = tasks.explainer().whyQueued(task);
        return why.isEmpty() ? due.reason() : due.reason() + ": " + String.join("; ", why);
    }

    @Override
    public void onEvent(AgentEvent event) {
        try {
            if (event instanceof AgentEvent.AgentInactivated e
                    && e.reason() != InactiveReason.OPERATOR) { // an operator's deactivation drains
                endHeld(e.agentId(), t -> true, false, "agent " + e.agentId() + " inactive (" + e.reason() + ")");
            } else if (event instanceof AgentEvent.AgentRevoked e) {
                endHeld(e.agentId(), t -> true, true, "agent " + e.agentId() + " revoked");
            } else if (event instanceof AgentEvent.AgentRestarted e) {
                endHeld(
                        e.agentId(),
                        t -> t.state().agentBootEpoch() < e.newEpoch(),
                        true,
                        "agent " + e.agentId() + " restarted (boot epoch " + e.previousEpoch() + " → " + e.newEpoch()
                                + ")");
            } else if (event instanceof AgentEvent.AgentActivated e && e.previousStatus() == AgentStatus.INACTIVE) {
                comeBack(e.agentId());
            }
        } catch (RuntimeException e) {
            // the attempts' own deadlines still end them
            LOG.log(Level.WARNING, "could not end the task attempts after " + event, e);
        }
    }

    /**
     * Ends the agent's held attempts that {@code which} selects: never-started ones are queued again; started
     * ones end at once when the agent is known to have lost its work ({@code final}), else wait out the grace.
     */
    private void endHeld(String agentId, Predicate<AgentTask> which, boolean certain, String reason) {
        Instant now = clock.instant();
        for (AgentTask task : store.findHeldTasks(agentId)) {
            if (!which.test(task)) {
                continue;
            }
            String id = task.id();
            int attempt = task.state().attempt();
            writer.update(id, now, t -> {
                if (!t.status().isHeld() || t.state().attempt() != attempt) {
                    return null; // ended meanwhile
                }
                if (certain || t.status() == TaskStatus.CLAIMED) {
                    return rules.endAttempt(t, TaskStatus.LOST, reason, now);
                }
                return t.state().agentLostAt() == null ? rules.agentLost(t, now) : null;
            });
        }
    }

    private void comeBack(String agentId) {
        Instant now = clock.instant();
        for (AgentTask task : store.findHeldTasks(agentId)) {
            if (task.state().agentLostAt() != null) {
                writer.update(task.id(), now, t -> t.state().agentLostAt() == null ? null : rules.agentBack(t));
            }
        }
    }
}
