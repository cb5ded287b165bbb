package dev.agentmanager.exception;

/**
 * The store's backend failed (a database error, a lost connection). Nothing is known to have been written;
 * retrying may succeed. Stores wrap their own failures in this type (or a subtype) so that hosts can catch
 * one exception whatever the store.
 */
public class AgentStoreException extends AgentManagerException {
    private static final long serialVersionUID = 1L;

    public AgentStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public AgentStoreException(String message) {
        super(message);
    }
}
