package dev.agentmanager.store.jdbc;

import dev.agentmanager.store.jdbc.internal.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collections;
import java.util.List;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Connections, transactions and retries over the host's data source: the plumbing every part of the store
 * shares. Transient failures (deadlocks, serialization failures, dropped connections) are retried a few times;
 * what remains becomes a {@link JdbcStoreException}.
 */
final class Jdbc {
    static final int MAX_ATTEMPTS = 5;

    /** Work on one connection. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Work on one connection that returns nothing. */
    @FunctionalInterface
    interface Step {
        void run(Connection c) throws SQLException;
    }

    private final DataSource dataSource;

    Jdbc(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** A connection in autocommit mode; the caller closes it. */
    Connection connection() throws SQLException {
        Connection c = dataSource.getConnection();
        ensureAutoCommit(c);
        return c;
    }

    /** Runs work in autocommit mode (single statements, reads). */
    <T> T read(String what, Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = connection()) {
                return work.run(c);
            } catch (SQLException e) {
                if (!Sql.isTransient(e) || attempt >= MAX_ATTEMPTS) {
                    throw new JdbcStoreException(what, e);
                }
            }
        }
    }

    /** {@link #read} for work that returns nothing. */
    void execute(String what, Step step) {
        read(what, c -> {
            step.run(c);
            return Boolean.TRUE;
        });
    }

    /** {@link #transaction} for work that returns nothing. */
    void inTransaction(String what, @Nullable String integrityMessage, Step step) {
        transaction(what, integrityMessage, c -> {
            step.run(c);
            return Boolean.TRUE;
        });
    }

    /**
     * Runs work in one transaction, again if the database aborted it for a deadlock or serialization failure.
     * A constraint violation becomes {@link IllegalStateException} with {@code integrityMessage} when given.
     */
    <T> T transaction(String what, @Nullable String integrityMessage, Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = dataSource.getConnection()) {
                return inTransaction(c, work);
            } catch (SQLException e) {
                if (integrityMessage != null && Sql.isIntegrityViolation(e)) {
                    throw new IllegalStateException(integrityMessage, e);
                }
                if (!Sql.isTransient(e) || attempt >= MAX_ATTEMPTS) {
                    throw new JdbcStoreException(what, e);
                }
            }
        }
    }

    /** Runs work in one transaction, retrying transient failures; lets the last {@link SQLException} through. */
    <T> T transactionOrThrow(Work<T> work) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = dataSource.getConnection()) {
                return inTransaction(c, work);
            } catch (SQLException e) {
                if (!Sql.isTransient(e) || attempt >= MAX_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** Runs work on {@code c} as one transaction: committed if it returns, rolled back if it throws. */
    static <T> T inTransaction(Connection c, Work<T> work) throws SQLException {
        c.setAutoCommit(false);
        try {
            T result = work.run(c);
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        } finally {
            try {
                c.setAutoCommit(true);
            } catch (SQLException ignored) {
                // the connection is broken; the pool will discard it
            }
        }
    }

    static void ensureAutoCommit(Connection c) throws SQLException {
        if (!c.getAutoCommit()) {
            c.setAutoCommit(true);
        }
    }

    static String placeholders(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    static void bindStrings(PreparedStatement ps, List<String> values) throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            ps.setString(i + 1, values.get(i));
        }
    }

    /** Ids longer than the schema's columns fail here, before any statement, rather than as a database error. */
    static void requireStorableId(String what, @Nullable String id) {
        if (id != null && id.length() > JdbcAgentStore.MAX_ID_LENGTH) {
            throw new IllegalArgumentException(what + " longer than " + JdbcAgentStore.MAX_ID_LENGTH + " characters: "
                    + id.substring(0, 32) + "...");
        }
    }

    static void requirePositive(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }
}
