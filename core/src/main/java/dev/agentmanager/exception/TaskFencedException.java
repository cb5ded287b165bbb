package dev.agentmanager.exception;

/**
 * A report about an attempt that is not (or no longer) the task's current attempt held by the reporting agent:
 * the task was queued again, given to someone else, finished, or never held by this agent. Nothing changed; the
 * agent must stop that work.
 */
public final class TaskFencedException extends AgentManagerException {
    private static final long serialVersionUID = 1L;

    private final String taskId;
    private final int attempt;

    public TaskFencedException(String taskId, int attempt, String why) {
        super("task " + taskId + " attempt " + attempt + " is fenced: " + why, false);
        this.taskId = taskId;
        this.attempt = attempt;
    }

    public String taskId() {
        return taskId;
    }

    public int attempt() {
        return attempt;
    }
}
