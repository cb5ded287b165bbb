package dev.agentmanager.exception;

/** No task has this id. */
public final class TaskNotFoundException extends AgentManagerException {
    private static final long serialVersionUID = 1L;

    private final String taskId;

    public TaskNotFoundException(String taskId) {
        super("task not found: " + taskId, false);
        this.taskId = taskId;
    }

    public String taskId() {
        return taskId;
    }
}
