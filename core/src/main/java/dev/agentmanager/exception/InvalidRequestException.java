package dev.agentmanager.exception;

/** A request broke the rules (null, blank, too long, control characters, over a limit, out of scope). */
public class InvalidRequestException extends AgentManagerException {
    private static final long serialVersionUID = 1L;

    private final String field;

    public InvalidRequestException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    protected InvalidRequestException(String field, String problem, Throwable cause) {
        super(field + ": " + problem, cause);
        this.field = field;
    }

    /** The offending field, e.g. {@code name} or {@code labels}. */
    public String field() {
        return field;
    }
}
