package dev.agentmanager;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Capability;
import dev.agentmanager.spi.IAgentStore;
import dev.agentmanager.spi.TaskStore;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.TaskExplanation;
import dev.agentmanager.task.TaskQuery;
import dev.agentmanager.task.TaskSelector;
import dev.agentmanager.task.TaskState;
import dev.agentmanager.task.TaskStatus;
import dev.agentmanager.task.TaskTarget;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;

/** Says in words why a task is where it is: for a queued one, what keeps each kind of agent from claiming it. */
final class TaskExplainer {
    /** The most agents and held tasks one explanation reads. */
    private static final int READ_LIMIT = 1_000;

    private final TaskStore tasks;
    private final IAgentStore agents;
    private final TaskSettings settings;

    TaskExplainer(TaskStore tasks, IAgentStore agents, TaskSettings settings) {
        this.tasks = tasks;
        this.agents = agents;
        this.settings = settings;
    }

    TaskExplanation explain(AgentTask task, Instant now) {
        TaskState s = task.state();
        List<String> reasons = new ArrayList<>();
        switch (s.status()) {
            case QUEUED -> reasons.addAll(whyQueued(task));
            case CLAIMED, RUNNING -> {
                reasons.add("held by agent " + s.agentId() + " (attempt " + s.attempt() + ", "
                        + (s.status() == TaskStatus.CLAIMED ? "not started yet" : "started") + "), next deadline "
                        + s.deadline());
                if (s.cancelRequested()) {
                    reasons.add("cancel requested; waiting for the agent to acknowledge");
                }
                if (s.agentLostAt() != null) {
                    reasons.add("agent inactive since " + s.agentLostAt() + "; declared lost at "
                            + s.agentLostAt().plus(settings.lostAfter()) + " unless it returns");
                }
            }
            default -> {
                if (s.reason() != null) {
                    reasons.add(s.reason());
                }
            }
        }
        return new TaskExplanation(task.id(), s.status(), reasons);
    }

    /**
     * For a queued task: the concurrency group if it is full, then the target's state (one agent) or what the
     * matching agents lack (a selector). Empty when an agent could claim it now.
     */
    List<String> whyQueued(AgentTask task) {
        List<String> reasons = new ArrayList<>();
        String group = task.request().concurrencyGroup();
        if (group != null) {
            long held = heldTasks().stream()
                    .filter(t -> group.equals(t.request().concurrencyGroup()))
                    .count();
            if (held >= task.request().concurrencyLimit()) {
                reasons.add("concurrency group " + group + " busy (" + held + " of "
                        + task.request().concurrencyLimit() + " held)");
            }
        }
        if (task.request().target() instanceof TaskTarget.OneAgent one) {
            Agent agent = agents.findAgent(one.agentId()).orElse(null);
            if (agent == null) {
                reasons.add("agent " + one.agentId() + " does not exist");
            } else if (agent.status() != AgentStatus.ACTIVE) {
                reasons.add("agent " + agent.id() + " is " + agent.status()
                        + (agent.inactiveReason() == null ? "" : " (" + agent.inactiveReason() + ")"));
            } else if (atCapacity(agent)) {
                reasons.add("agent " + agent.id() + " at capacity (" + settings.agentCapacity() + " of "
                        + settings.agentCapacity() + ")");
            }
            return reasons;
        }
        TaskSelector selector = ((TaskTarget.AnyAgent) task.request().target()).selector();
        List<Agent> matching = matchingActiveAgents(task, selector);
        if (matching.isEmpty()) {
            reasons.add("no ACTIVE agent with " + selector.describe() + " in its scope");
        } else if (matching.stream().allMatch(this::atCapacity)) {
            reasons.add("every matching agent at capacity (" + matching.size() + " agents, " + settings.agentCapacity()
                    + " tasks each)");
        }
        return reasons;
    }

    private List<Agent> matchingActiveAgents(AgentTask task, TaskSelector selector) {
        AgentQuery.Builder query =
                AgentQuery.builder().status(AgentStatus.ACTIVE).limit(READ_LIMIT);
        Capability first = selector.capabilities().stream()
                .filter(c -> c.name().equals(selector.firstCapabilityName()))
                .findFirst()
                .orElse(null);
        if (first != null) {
            query = first.version() == null
                    ? query.capability(first.name())
                    : query.capability(first.name(), Objects.requireNonNull(first.version()));
        }
        return agents.findAgents(query.build()).stream()
                .filter(a -> TaskService.eligible(task, a))
                .toList();
    }

    private boolean atCapacity(Agent agent) {
        return tasks.findHeldTasks(agent.id()).size() >= settings.agentCapacity();
    }

    private List<AgentTask> heldTasks() {
        return tasks.findTasks(
                new TaskQuery(EnumSet.of(TaskStatus.CLAIMED, TaskStatus.RUNNING), null, null, null, READ_LIMIT));
    }
}
