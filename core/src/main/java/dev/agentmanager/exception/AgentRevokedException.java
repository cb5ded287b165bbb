package dev.agentmanager.exception;

/** The agent is revoked: its heartbeats, renewals and lifecycle changes are refused forever. */
public final class AgentRevokedException extends AgentManagerException {
    private static final long serialVersionUID = 1L;

    private final String agentId;

    public AgentRevokedException(String agentId) {
        super("agent is revoked: " + agentId, false);
        this.agentId = agentId;
    }

    public String agentId() {
        return agentId;
    }
}
