package dev.agentmanager.exception;

/** No agent has this id. */
public final class AgentNotFoundException extends AgentManagerException {
    private static final long serialVersionUID = 1L;

    private final String agentId;

    public AgentNotFoundException(String agentId) {
        super("agent not found: " + agentId, false);
        this.agentId = agentId;
    }

    public String agentId() {
        return agentId;
    }
}
