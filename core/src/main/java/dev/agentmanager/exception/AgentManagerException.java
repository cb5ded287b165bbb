package dev.agentmanager.exception;

/** The root of every exception the library throws on purpose. Unchecked. */
public abstract class AgentManagerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    protected AgentManagerException(String message) {
        super(message);
    }

    protected AgentManagerException(String message, Throwable cause) {
        super(message, cause);
    }

    /** For rejections that happen often and need no stack trace (stale heartbeats, bad tokens). */
    protected AgentManagerException(String message, boolean withStackTrace) {
        super(message, null, false, withStackTrace);
    }
}
