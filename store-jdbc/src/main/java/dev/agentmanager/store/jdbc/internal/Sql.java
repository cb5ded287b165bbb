package dev.agentmanager.store.jdbc.internal;

import dev.agentmanager.store.jdbc.JdbcDialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.jspecify.annotations.Nullable;

/**
 * The SQL of one store: table names with the prefix applied, statements in the dialect, and the binding of
 * values that differ between databases (instants, JSON, the database's clock).
 */
public final class Sql {
    /** The placeholder for the table prefix in the schema scripts (a Flyway placeholder). */
    public static final String PREFIX_PLACEHOLDER = "${agentmanager_prefix}";

    public final JdbcDialect dialect;
    public final String agents;
    public final String labels;
    public final String capabilities;
    public final String liveness;
    public final String tokens;
    public final String redemptions;
    public final String certificates;
    public final String monitor;
    public final String sweepLock;
    public final String schemaVersion;
    /** H2 only: the row {@link SchemaLock} locks while a schema upgrade runs. */
    public final String schemaLock;

    public final String tasks;
    public final String taskAttempts;
    public final String taskLogs;
    public final String taskClaimers;
    public final String taskGroups;

    /** Agent and liveness columns in the order {@link Rows#agent} reads them; aliases a and l. */
    public final String agentColumns;

    public Sql(JdbcDialect dialect, String prefix) {
        this.dialect = dialect;
        this.agents = prefix + "agents";
        this.labels = prefix + "agent_labels";
        this.capabilities = prefix + "agent_capabilities";
        this.liveness = prefix + "agent_liveness";
        this.tokens = prefix + "registration_tokens";
        this.redemptions = prefix + "token_redemptions";
        this.certificates = prefix + "certificates";
        this.monitor = prefix + "monitor_state";
        this.sweepLock = prefix + "sweep_lock";
        this.schemaVersion = prefix + "schema_version";
        this.schemaLock = prefix + "schema_lock";
        this.tasks = prefix + "tasks";
        this.taskAttempts = prefix + "task_attempts";
        this.taskLogs = prefix + "task_logs";
        this.taskClaimers = prefix + "task_claimers";
        this.taskGroups = prefix + "task_groups";
        this.agentColumns = "a.id, a.name, a.status, a.inactive_reason, a.capabilities, a.allowed_capabilities,"
                + " a.labels, a.agent_version,"
                + " a.health, a.cert_serial, a.cert_thumbprint, a.cert_not_before, a.cert_not_after,"
                + " a.next_cert_serial, a.next_cert_thumbprint, a.next_cert_not_before, a.next_cert_not_after,"
                + " a.registered_at, a.status_changed_at, a.registration_token_id, a.version,"
                + " l.boot_epoch, l.sequence_no, l.last_heartbeat_at, l.deadline, l.clock_skew_nanos";
    }

    /** SELECT of agents joined with their liveness; append WHERE ... */
    public String selectAgents() {
        return "SELECT " + agentColumns + " FROM " + agents + " a JOIN " + liveness + " l ON l.agent_id = a.id";
    }

    /** A bind parameter for a JSON value given as text. */
    public String jsonParameter() {
        return switch (dialect) {
            case POSTGRESQL -> "CAST(? AS jsonb)";
            case H2 -> "? FORMAT JSON";
            case MARIADB -> "?";
        };
    }

    /** The statement that reads the database's current time (one row, one column). */
    public String currentTimeQuery() {
        return switch (dialect) {
            case POSTGRESQL -> "SELECT clock_timestamp()";
            case H2 -> "SELECT CURRENT_TIMESTAMP(6)";
            case MARIADB -> "SELECT UTC_TIMESTAMP(6)";
        };
    }

    /** The database's current time as an SQL expression, for values written in a statement. */
    public String currentTimeExpression() {
        return switch (dialect) {
            case POSTGRESQL -> "clock_timestamp()";
            case H2 -> "CURRENT_TIMESTAMP(6)";
            case MARIADB -> "UTC_TIMESTAMP(6)";
        };
    }

    /** Instants are stored with microsecond precision (the finest PostgreSQL and MariaDB keep). */
    public static Instant truncate(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS);
    }

    public void setInstant(PreparedStatement ps, int index, @Nullable Instant instant) throws SQLException {
        if (instant == null) {
            ps.setNull(index, dialect == JdbcDialect.MARIADB ? Types.TIMESTAMP : Types.TIMESTAMP_WITH_TIMEZONE);
        } else if (dialect == JdbcDialect.MARIADB) {
            ps.setObject(index, LocalDateTime.ofInstant(truncate(instant), ZoneOffset.UTC));
        } else {
            ps.setObject(index, OffsetDateTime.ofInstant(truncate(instant), ZoneOffset.UTC));
        }
    }

    public @Nullable Instant getInstant(ResultSet rs, int column) throws SQLException {
        if (dialect == JdbcDialect.MARIADB) {
            LocalDateTime value = rs.getObject(column, LocalDateTime.class);
            return value == null ? null : value.toInstant(ZoneOffset.UTC);
        }
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    public Instant getRequiredInstant(ResultSet rs, int column) throws SQLException {
        Instant value = getInstant(rs, column);
        if (value == null) {
            throw new SQLException("unexpected NULL in column " + column);
        }
        return value;
    }

    /** The database's clock now. */
    public Instant currentTime(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(currentTimeQuery());
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return getRequiredInstant(rs, 1);
        }
    }

    public static void setNullableString(PreparedStatement ps, int index, @Nullable String value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, value);
        }
    }

    public static void setNullableLong(PreparedStatement ps, int index, @Nullable Long value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, value);
        }
    }

    public static @Nullable Long getNullableLong(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    /** Whether the failure is a constraint violation (duplicate key and the like): SQLSTATE class 23. */
    public static boolean isIntegrityViolation(SQLException e) {
        for (SQLException s = e; s != null; s = s.getNextException()) {
            String state = s.getSQLState();
            if (state != null && state.startsWith("23")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the transaction lost a race the database resolved by aborting it (deadlock, serialization
     * failure, lock wait timeout) and can simply be run again.
     */
    public static boolean isTransient(SQLException e) {
        for (SQLException s = e; s != null; s = s.getNextException()) {
            String state = s.getSQLState();
            if (state != null && (state.startsWith("40") || state.equals("HYT00"))) {
                return true;
            }
            // MariaDB: 1213 deadlock, 1205 lock wait timeout; H2: 90131 concurrent update of a row
            if (s.getErrorCode() == 1213 || s.getErrorCode() == 1205 || "90131".equals(state)) {
                return true;
            }
        }
        return false;
    }
}
