package dev.agentmanager.task;

import java.util.List;

/**
 * The task part of a heartbeat response: a hint, never a claim. A hint may be late or wrong; a claim decides.
 *
 * @param waiting how many queued tasks this agent may claim, as this replica last saw them (0 means probably
 *     none: the agent need not claim)
 * @param stop attempts the agent must stop (cancelled, or no longer its own)
 */
public record TaskDirectives(int waiting, List<TaskStop> stop) {
    private static final TaskDirectives NONE = new TaskDirectives(0, List.of());

    public TaskDirectives {
        stop = List.copyOf(stop);
    }

    /** Nothing waiting, nothing to stop. */
    public static TaskDirectives none() {
        return NONE;
    }
}
