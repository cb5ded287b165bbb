package dev.agentmanager.task;

import static java.util.Objects.requireNonNull;

/** Who may claim a task: one agent by id, or any agent a selector matches. */
public sealed interface TaskTarget {

    /** Only this agent. */
    static TaskTarget agent(String agentId) {
        return new OneAgent(agentId);
    }

    /** Any agent the selector matches. */
    static TaskTarget matching(TaskSelector selector) {
        return new AnyAgent(selector);
    }

    /** One agent by id. */
    record OneAgent(String agentId) implements TaskTarget {
        public OneAgent {
            requireNonNull(agentId, "agentId");
        }
    }

    /** Any agent the selector matches. */
    record AnyAgent(TaskSelector selector) implements TaskTarget {
        public AnyAgent {
            requireNonNull(selector, "selector");
        }
    }
}
