package dev.agentmanager.exception;

/** A task's record changed underneath an update often enough that the update gave up. Retrying is safe. */
public final class ConcurrentTaskModificationException extends AgentManagerException {
    private static final long serialVersionUID = 1L;

    private final String taskId;

    public ConcurrentTaskModificationException(String taskId) {
        super("task changed concurrently, update not applied: " + taskId);
        this.taskId = taskId;
    }

    public String taskId() {
        return taskId;
    }
}
