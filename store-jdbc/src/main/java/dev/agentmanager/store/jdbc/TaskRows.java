package dev.agentmanager.store.jdbc;

import dev.agentmanager.store.jdbc.internal.Json;
import dev.agentmanager.store.jdbc.internal.Sql;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.RetryPolicy;
import dev.agentmanager.task.TaskAttempt;
import dev.agentmanager.task.TaskPayload;
import dev.agentmanager.task.TaskRequest;
import dev.agentmanager.task.TaskSelector;
import dev.agentmanager.task.TaskState;
import dev.agentmanager.task.TaskStatus;
import dev.agentmanager.task.TaskTarget;
import dev.agentmanager.task.TaskTimeouts;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Maps task rows to {@link AgentTask} and {@link TaskAttempt} values and back. A selector is kept as its
 * capabilities and labels in JSON text, beside its first capability name (the claim's filter); timeouts as
 * ISO-8601 durations, so that every value reads back equal.
 */
final class TaskRows {
    /** The request columns, written once by the insert. */
    private static final String REQUEST_COLUMNS = "id, type, payload, payload_json, target_agent, first_capability,"
            + " selector_capabilities, selector_labels, priority, idempotency_key, retry_max_attempts,"
            + " retry_idempotent, schedule_to_start, start_to_close, progress_timeout, concurrency_group,"
            + " concurrency_limit, created_at, rerun_of";

    /** The state columns, in the order {@link #bindState} binds them. */
    private static final String STATE_COLUMNS = "status, attempt, started_attempts, agent_id, agent_boot_epoch,"
            + " queued_at, claimed_at, started_at, reported_at, percent, message, cancel_requested, agent_lost_at,"
            + " deadline, finished_at, result, result_json, reason, version";

    /** Every column, in the order {@link #task} reads them. */
    static final String COLUMNS = REQUEST_COLUMNS + ", " + STATE_COLUMNS;

    private static final int REQUEST_COUNT = 19;
    private static final int STATE_COUNT = 19;

    /** The assignments of an update of the state (and version), bound by {@link #bindState}. */
    static final String STATE_ASSIGNMENTS = "status = ?, attempt = ?, started_attempts = ?, agent_id = ?,"
            + " agent_boot_epoch = ?, queued_at = ?, claimed_at = ?, started_at = ?, reported_at = ?, percent = ?,"
            + " message = ?, cancel_requested = ?, agent_lost_at = ?, deadline = ?, finished_at = ?, result = ?,"
            + " result_json = ?, reason = ?, version = ?";

    static final String ATTEMPT_COLUMNS =
            "task_id, attempt, agent_id, claimed_at, started_at, ended_at, outcome, reason, late_report";

    private TaskRows() {}

    /** The task statuses an agent holds, as an SQL list. */
    static final String HELD = "('" + TaskStatus.CLAIMED + "', '" + TaskStatus.RUNNING + "')";

    static String insert(Sql sql) {
        return "INSERT INTO " + sql.tasks + " (" + COLUMNS + ") VALUES ("
                + Jdbc.placeholders(REQUEST_COUNT + STATE_COUNT) + ")";
    }

    static String select(Sql sql) {
        return "SELECT " + COLUMNS + " FROM " + sql.tasks;
    }

    /** Binds every column of a new task with {@code version}. */
    static void bindInsert(PreparedStatement ps, Sql sql, AgentTask t, long version) throws SQLException {
        TaskRequest r = t.request();
        ps.setString(1, t.id());
        ps.setString(2, r.type());
        ps.setBytes(3, r.payload().bytes());
        ps.setBoolean(4, r.payload().isJson());
        if (r.target() instanceof TaskTarget.AnyAgent any) {
            TaskSelector s = any.selector();
            ps.setNull(5, Types.VARCHAR);
            Sql.setNullableString(ps, 6, s.firstCapabilityName());
            ps.setString(7, Json.capabilities(s.capabilities()));
            ps.setString(8, Json.labels(s.labels()));
        } else {
            ps.setString(5, ((TaskTarget.OneAgent) r.target()).agentId());
            ps.setNull(6, Types.VARCHAR);
            ps.setNull(7, Types.VARCHAR);
            ps.setNull(8, Types.VARCHAR);
        }
        ps.setInt(9, r.priority());
        Sql.setNullableString(ps, 10, r.idempotencyKey());
        ps.setInt(11, r.retry().maxAttempts());
        ps.setBoolean(12, r.retry().idempotent());
        TaskTimeouts timeouts = t.timeouts();
        ps.setString(13, timeouts.scheduleToStart().toString());
        ps.setString(14, timeouts.startToClose().toString());
        ps.setString(15, timeouts.progress().toString());
        Sql.setNullableString(ps, 16, r.concurrencyGroup());
        ps.setInt(17, r.concurrencyLimit());
        sql.setInstant(ps, 18, t.createdAt());
        Sql.setNullableString(ps, 19, t.rerunOf());
        bindState(ps, sql, REQUEST_COUNT + 1, t.state(), version);
    }

    /** Binds a state and a version from index {@code first}; returns the next free index. */
    static int bindState(PreparedStatement ps, Sql sql, int first, TaskState s, long version) throws SQLException {
        int i = first;
        ps.setString(i++, s.status().name());
        ps.setInt(i++, s.attempt());
        ps.setInt(i++, s.startedAttempts());
        Sql.setNullableString(ps, i++, s.agentId());
        ps.setLong(i++, s.agentBootEpoch());
        sql.setInstant(ps, i++, s.queuedAt());
        sql.setInstant(ps, i++, s.claimedAt());
        sql.setInstant(ps, i++, s.startedAt());
        sql.setInstant(ps, i++, s.reportedAt());
        if (s.percent() == null) {
            ps.setNull(i++, Types.INTEGER);
        } else {
            ps.setInt(i++, s.percent());
        }
        Sql.setNullableString(ps, i++, s.message());
        ps.setBoolean(i++, s.cancelRequested());
        sql.setInstant(ps, i++, s.agentLostAt());
        sql.setInstant(ps, i++, s.deadline());
        sql.setInstant(ps, i++, s.finishedAt());
        TaskPayload result = s.result();
        if (result == null) {
            ps.setNull(i++, Types.VARBINARY);
            ps.setNull(i++, Types.BOOLEAN);
        } else {
            ps.setBytes(i++, result.bytes());
            ps.setBoolean(i++, result.isJson());
        }
        Sql.setNullableString(ps, i++, s.reason());
        ps.setLong(i++, version);
        return i;
    }

    /** The task in the current row (columns as in {@link #COLUMNS}). */
    static AgentTask task(ResultSet rs, Sql sql) throws SQLException {
        String targetAgent = rs.getString(5);
        TaskTarget target = targetAgent != null
                ? TaskTarget.agent(targetAgent)
                : TaskTarget.matching(
                        new TaskSelector(Json.parseCapabilities(required(rs, 7)), Json.parseLabels(required(rs, 8))));
        TaskTimeouts timeouts = new TaskTimeouts(
                Duration.parse(required(rs, 13)), Duration.parse(required(rs, 14)), Duration.parse(required(rs, 15)));
        TaskRequest request = new TaskRequest(
                required(rs, 2),
                TaskPayload.of(rs.getBytes(3), rs.getBoolean(4)),
                target,
                rs.getInt(9),
                rs.getString(10),
                new RetryPolicy(rs.getInt(11), rs.getBoolean(12)),
                timeouts,
                rs.getString(16),
                rs.getInt(17));
        int i = REQUEST_COUNT + 1;
        TaskStatus status = TaskStatus.valueOf(rs.getString(i++));
        int attempt = rs.getInt(i++);
        int startedAttempts = rs.getInt(i++);
        String agentId = rs.getString(i++);
        long bootEpoch = rs.getLong(i++);
        var queuedAt = sql.getRequiredInstant(rs, i++);
        var claimedAt = sql.getInstant(rs, i++);
        var startedAt = sql.getInstant(rs, i++);
        var reportedAt = sql.getInstant(rs, i++);
        int percentValue = rs.getInt(i++);
        Integer percent = rs.wasNull() ? null : percentValue;
        String message = rs.getString(i++);
        boolean cancelRequested = rs.getBoolean(i++);
        var agentLostAt = sql.getInstant(rs, i++);
        var deadline = sql.getInstant(rs, i++);
        var finishedAt = sql.getInstant(rs, i++);
        byte[] resultBytes = rs.getBytes(i++);
        boolean resultJson = rs.getBoolean(i++);
        TaskPayload result = resultBytes == null ? null : TaskPayload.of(resultBytes, resultJson);
        String reason = rs.getString(i++);
        long version = rs.getLong(i);
        TaskState state = new TaskState(
                status,
                attempt,
                startedAttempts,
                agentId,
                bootEpoch,
                queuedAt,
                claimedAt,
                startedAt,
                reportedAt,
                percent,
                message,
                cancelRequested,
                agentLostAt,
                deadline,
                finishedAt,
                result,
                reason);
        return new AgentTask(
                required(rs, 1), request, sql.getRequiredInstant(rs, 18), rs.getString(19), state, version);
    }

    static void bindAttempt(PreparedStatement ps, Sql sql, TaskAttempt a) throws SQLException {
        ps.setString(1, a.taskId());
        ps.setInt(2, a.attempt());
        ps.setString(3, a.agentId());
        sql.setInstant(ps, 4, a.claimedAt());
        sql.setInstant(ps, 5, a.startedAt());
        sql.setInstant(ps, 6, a.endedAt());
        ps.setString(7, a.outcome().name());
        Sql.setNullableString(ps, 8, a.reason());
        Sql.setNullableString(ps, 9, a.lateReport());
    }

    static TaskAttempt attempt(ResultSet rs, Sql sql) throws SQLException {
        return new TaskAttempt(
                required(rs, 1),
                rs.getInt(2),
                required(rs, 3),
                sql.getRequiredInstant(rs, 4),
                sql.getInstant(rs, 5),
                sql.getRequiredInstant(rs, 6),
                TaskStatus.valueOf(rs.getString(7)),
                rs.getString(8),
                rs.getString(9));
    }

    private static String required(ResultSet rs, int column) throws SQLException {
        @Nullable String value = rs.getString(column);
        if (value == null) {
            throw new SQLException("unexpected NULL in column " + column);
        }
        return value;
    }
}
