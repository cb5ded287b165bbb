package dev.agentmanager.store.jdbc;

import dev.agentmanager.exception.AgentStoreException;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * The database failed an operation of {@link JdbcAgentStore}: unreachable, a timeout, a lost connection, a
 * schema that is missing or out of date. The operation's transaction was rolled back, unless the connection
 * broke during its commit, when the outcome is unknown. Retrying may succeed.
 */
public final class JdbcStoreException extends AgentStoreException {
    private static final long serialVersionUID = 1L;

    private final @Nullable String sqlState;

    public JdbcStoreException(String message, SQLException cause) {
        super(message + ": " + cause.getMessage(), cause);
        this.sqlState = cause.getSQLState();
    }

    /** The SQLSTATE the driver reported, or {@code null}. */
    public @Nullable String sqlState() {
        return sqlState;
    }
}
