package dev.agentmanager.exception;

/**
 * An agent's record changed underneath an update often enough that the update gave up. Retrying is safe.
 */
public final class ConcurrentAgentModificationException extends AgentManagerException {
    private static final long serialVersionUID = 1L;

    private final String agentId;

    public ConcurrentAgentModificationException(String agentId) {
        super("agent changed concurrently, update not applied: " + agentId);
        this.agentId = agentId;
    }

    public String agentId() {
        return agentId;
    }
}
