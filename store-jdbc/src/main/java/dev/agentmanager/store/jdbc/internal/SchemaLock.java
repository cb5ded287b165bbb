package dev.agentmanager.store.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * One schema upgrade at a time per table prefix, across every replica on the database: PostgreSQL's session
 * advisory lock, MariaDB's named lock ({@code GET_LOCK}), and on H2, which has neither, a row lock held by a
 * second connection (H2 commits the open transaction before every DDL statement, so the connection that runs
 * the scripts cannot hold it). Released by {@link #close()}, or by the database when the connection ends.
 */
public abstract class SchemaLock implements AutoCloseable {
    /** How long a replica waits for another one's upgrade. */
    static final long WAIT_SECONDS = 120;

    /** H2 errors that mean another connection got there first: lock timeout, duplicate key, table exists. */
    private static final Set<Integer> H2_CONTENTION = Set.of(50200, 23505, 42101, 90131);

    private static final String KEY = "agentmanager schema ";

    SchemaLock() {}

    /** Takes the lock for this prefix; {@code c} is the connection that runs the scripts (autocommit). */
    public static SchemaLock acquire(DataSource dataSource, Connection c, Sql sql, String prefix) throws SQLException {
        return switch (sql.dialect) {
            case POSTGRESQL ->
                named(
                        c,
                        "SELECT pg_advisory_lock(hashtextextended(? || coalesce(current_schema(), '') || '.' || ?, 0))",
                        "SELECT pg_advisory_unlock(hashtextextended(? || coalesce(current_schema(), '') || '.' || ?, 0))",
                        prefix,
                        true);
            case MARIADB ->
                named(
                        c,
                        "SELECT GET_LOCK(CONCAT('agentmanager_schema_', MD5(CONCAT(?, DATABASE(), '.', ?))), "
                                + WAIT_SECONDS + ")",
                        "SELECT RELEASE_LOCK(CONCAT('agentmanager_schema_', MD5(CONCAT(?, DATABASE(), '.', ?))))",
                        prefix,
                        false);
            case H2 -> rowLock(dataSource, sql);
        };
    }

    @Override
    public abstract void close() throws SQLException;

    private static SchemaLock named(Connection c, String lock, String unlock, String prefix, boolean waits)
            throws SQLException {
        if (!call(c, lock, prefix) && !waits) {
            throw new SQLException("waited " + WAIT_SECONDS + " s for another replica's schema upgrade (prefix '"
                    + prefix + "'); it still holds the lock");
        }
        return new SchemaLock() {
            @Override
            public void close() throws SQLException {
                call(c, unlock, prefix);
            }
        };
    }

    /** Runs a lock function: whether it answered 1 (MariaDB's GET_LOCK: 1 taken, 0 timed out). */
    private static boolean call(Connection c, String query, String prefix) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(query)) {
            ps.setString(1, KEY);
            ps.setString(2, prefix);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getObject(1) instanceof Number n && n.intValue() == 1;
            }
        }
    }

    private static SchemaLock rowLock(DataSource dataSource, Sql sql) throws SQLException {
        Connection holder = dataSource.getConnection();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (true) {
                holder.setAutoCommit(true);
                try (Statement s = holder.createStatement()) {
                    s.execute("CREATE TABLE IF NOT EXISTS " + sql.schemaLock
                            + " (name VARCHAR(64) NOT NULL, CONSTRAINT " + sql.schemaLock + "_pk PRIMARY KEY (name))");
                    s.execute("MERGE INTO " + sql.schemaLock + " (name) KEY (name) VALUES ('schema')");
                    holder.setAutoCommit(false);
                    s.executeQuery("SELECT name FROM " + sql.schemaLock + " WHERE name = 'schema' FOR UPDATE")
                            .close();
                    return new SchemaLock() {
                        @Override
                        public void close() throws SQLException {
                            try (holder) {
                                holder.rollback();
                                holder.setAutoCommit(true);
                            }
                        }
                    };
                } catch (SQLException e) {
                    if (!holder.getAutoCommit()) {
                        holder.rollback();
                    }
                    if (!H2_CONTENTION.contains(e.getErrorCode()) || System.nanoTime() > deadline) {
                        throw e;
                    }
                }
            }
        } catch (SQLException | RuntimeException e) {
            holder.close();
            throw e;
        }
    }
}
