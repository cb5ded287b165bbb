package dev.agentmanager.exception;

/**
 * A heartbeat's (boot epoch, sequence) is not newer than the last accepted one: a duplicate, a replay or
 * a reordered delivery.
 */
public final class StaleHeartbeatException extends AgentManagerException {
    private static final long serialVersionUID = 1L;

    private final String agentId;
    private final long bootEpoch;
    private final long sequence;

    public StaleHeartbeatException(String agentId, long bootEpoch, long sequence) {
        super(
                "stale heartbeat from agent " + agentId + ": epoch " + bootEpoch + ", sequence " + sequence
                        + " is not newer than the last accepted one",
                false);
        this.agentId = agentId;
        this.bootEpoch = bootEpoch;
        this.sequence = sequence;
    }

    public String agentId() {
        return agentId;
    }

    public long bootEpoch() {
        return bootEpoch;
    }

    public long sequence() {
        return sequence;
    }
}
