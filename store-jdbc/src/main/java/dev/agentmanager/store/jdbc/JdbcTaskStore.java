package dev.agentmanager.store.jdbc;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.spi.QueueSummary;
import dev.agentmanager.spi.TaskClaimQuery;
import dev.agentmanager.spi.TaskClaimer;
import dev.agentmanager.spi.TaskStore;
import dev.agentmanager.store.jdbc.internal.Sql;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.TaskAttempt;
import dev.agentmanager.task.TaskLease;
import dev.agentmanager.task.TaskQuery;
import dev.agentmanager.task.TaskStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The {@link TaskStore} role on the tables of a {@link JdbcAgentStore} (same data source, dialect and table prefix),
 * from {@link JdbcAgentStore#taskStore()}. Its tables are schema version 4 ({@code V4__tasks.sql}). Every write is
 * one conditional statement or one transaction; replicas on one database share the queue, and a claim is exactly
 * once per attempt across them ({@link TaskClaims} says how). A task's request, creation time and rerun link are
 * written by the insert; an update writes the state and the version. Instants are kept to the microsecond.
 * Thread-safe.
 */
public final class JdbcTaskStore implements TaskStore {
    private static final int IN_LIST_CHUNK = 500;

    private final Jdbc db;
    private final Sql sql;
    private final TaskClaims claims;
    private final TaskLogs logs;
    private final String update;

    JdbcTaskStore(Jdbc db, Sql sql) {
        this.db = db;
        this.sql = sql;
        this.claims = new TaskClaims(db, sql);
        this.logs = new TaskLogs(db, sql);
        this.update = "UPDATE " + sql.tasks + " SET " + TaskRows.STATE_ASSIGNMENTS + " WHERE id = ? AND version = ?";
    }

    @Override
    public AgentTask insertTask(AgentTask task) {
        requireNonNull(task, "task");
        Jdbc.requireStorableId("task id", task.id());
        String key = task.request().idempotencyKey();
        if (key != null) {
            Optional<AgentTask> holder = findByKey(key);
            if (holder.isPresent()) {
                return holder.get();
            }
        }
        String group = task.request().concurrencyGroup();
        if (group != null) {
            db.execute("register concurrency group", c -> TaskClaims.ensureRow(c, sql, sql.taskGroups, "name", group));
        }
        try {
            db.transactionOrThrow(c -> {
                try (PreparedStatement ps = c.prepareStatement(TaskRows.insert(sql))) {
                    TaskRows.bindInsert(ps, sql, task, 1);
                    return ps.executeUpdate();
                }
            });
            return task.withVersion(1);
        } catch (SQLException e) {
            if (!Sql.isIntegrityViolation(e)) {
                throw new JdbcStoreException("insert task", e);
            }
        }
        if (key != null) {
            Optional<AgentTask> holder = findByKey(key); // a racing insert with the same key won
            if (holder.isPresent()) {
                return holder.get();
            }
        }
        throw new IllegalStateException("task exists: " + task.id());
    }

    private Optional<AgentTask> findByKey(String key) {
        return first("find task by idempotency key", " WHERE idempotency_key = ?", key);
    }

    @Override
    public Optional<AgentTask> findTask(String taskId) {
        return first("find task", " WHERE id = ?", taskId);
    }

    @Override
    public List<AgentTask> findTasks(TaskQuery query) {
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        List<String> values = new ArrayList<>();
        if (!query.statuses().isEmpty()) {
            where.append(" AND status IN (")
                    .append(Jdbc.placeholders(query.statuses().size()))
                    .append(')');
            query.statuses().stream().map(Enum::name).sorted().forEach(values::add);
        }
        if (query.agentId() != null) {
            where.append(" AND agent_id = ?");
            values.add(query.agentId());
        }
        if (query.type() != null) {
            where.append(" AND type = ?");
            values.add(query.type());
        }
        if (query.afterId() != null) {
            where.append(" AND id > ?");
            values.add(query.afterId());
        }
        return list("find tasks", where + " ORDER BY id LIMIT " + query.limit(), values);
    }

    @Override
    public long countTasks(TaskStatus status) {
        return db.read("count tasks", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + sql.tasks + " WHERE status = ?")) {
                ps.setString(1, status.name());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public Optional<AgentTask> updateTask(AgentTask updated, long expectedVersion, @Nullable TaskAttempt endedAttempt) {
        requireNonNull(updated, "updated");
        boolean written = db.transaction("update task", "attempt already in history: " + updated.id(), c -> {
            if (!write(c, updated, expectedVersion)) {
                return false;
            }
            if (endedAttempt != null) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.taskAttempts + " ("
                        + TaskRows.ATTEMPT_COLUMNS + ") VALUES (" + Jdbc.placeholders(9) + ")")) {
                    TaskRows.bindAttempt(ps, sql, endedAttempt);
                    ps.executeUpdate();
                }
            }
            return true;
        });
        return written ? Optional.of(updated.withVersion(expectedVersion + 1)) : Optional.empty();
    }

    @Override
    public Optional<AgentTask> updateTask(AgentTask updated, long expectedVersion) {
        return updateTask(updated, expectedVersion, null);
    }

    private boolean write(Connection c, AgentTask updated, long expectedVersion) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(update)) {
            int i = TaskRows.bindState(ps, sql, 1, updated.state(), expectedVersion + 1);
            ps.setString(i++, updated.id());
            ps.setLong(i, expectedVersion);
            return ps.executeUpdate() == 1;
        }
    }

    @Override
    public List<AgentTask> claimTasks(TaskClaimQuery query, TaskClaimer claimer) {
        return claims.claim(requireNonNull(query, "query"), requireNonNull(claimer, "claimer"));
    }

    @Override
    public List<AgentTask> findTasksDueBy(Instant now, int limit) {
        Jdbc.requirePositive(limit, "limit");
        return db.read("find due tasks", c -> {
            List<AgentTask> result = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(TaskRows.select(sql)
                    + " WHERE deadline IS NOT NULL AND deadline <= ? ORDER BY deadline, id LIMIT ?")) {
                sql.setInstant(ps, 1, now);
                ps.setInt(2, limit);
                readTasks(ps, result);
            }
            return result;
        });
    }

    @Override
    public List<AgentTask> findHeldTasks(String agentId) {
        return list(
                "find held tasks",
                " WHERE agent_id = ? AND status IN " + TaskRows.HELD + " ORDER BY id",
                List.of(agentId));
    }

    @Override
    public List<AgentTask> findTasks(List<String> taskIds) {
        List<String> ids = List.copyOf(new LinkedHashSet<>(taskIds));
        List<AgentTask> result = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += IN_LIST_CHUNK) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + IN_LIST_CHUNK));
            result.addAll(list("find tasks by id", " WHERE id IN (" + Jdbc.placeholders(chunk.size()) + ")", chunk));
        }
        return result;
    }

    @Override
    public List<TaskAttempt> findAttempts(String taskId) {
        return db.read("find task attempts", c -> {
            List<TaskAttempt> result = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + TaskRows.ATTEMPT_COLUMNS + " FROM "
                    + sql.taskAttempts + " WHERE task_id = ? ORDER BY attempt")) {
                ps.setString(1, taskId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        result.add(TaskRows.attempt(rs, sql));
                    }
                }
            }
            return result;
        });
    }

    @Override
    public void recordLateReport(String taskId, int attempt, String report) {
        requireNonNull(report, "report");
        db.execute("record late report", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE " + sql.taskAttempts + " SET late_report = ? WHERE task_id = ? AND attempt = ?")) {
                ps.setString(1, report);
                ps.setString(2, taskId);
                ps.setInt(3, attempt);
                ps.executeUpdate();
            }
        });
    }

    @Override
    public long appendLog(String taskId, int attempt, long offset, byte[] chunk) {
        return logs.append(taskId, attempt, offset, requireNonNull(chunk, "chunk"));
    }

    @Override
    public byte[] readLog(String taskId, int attempt, long offset, int maxBytes) {
        return logs.read(taskId, attempt, offset, maxBytes);
    }

    @Override
    public QueueSummary queueSummary(int limit) {
        Jdbc.requirePositive(limit, "limit");
        return db.read("summarize task queue", c -> {
            Map<String, Integer> byAgent = new HashMap<>();
            Map<String, Integer> byCapability = new HashMap<>();
            long mark = 0;
            try (PreparedStatement ps = c.prepareStatement("SELECT target_agent, first_capability, id, version FROM "
                    + sql.tasks
                    + " WHERE status = '" + TaskStatus.QUEUED + "' ORDER BY priority DESC, created_at, id LIMIT ?")) {
                ps.setInt(1, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        mark += QueueSummary.markOf(rs.getString(3), rs.getLong(4));
                        String agent = rs.getString(1);
                        if (agent != null) {
                            byAgent.merge(agent, 1, Integer::sum);
                        } else {
                            String first = rs.getString(2);
                            byCapability.merge(first == null ? "" : first, 1, Integer::sum);
                        }
                    }
                }
            }
            Map<String, List<TaskLease>> cancels = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT agent_id, id, attempt FROM " + sql.tasks
                    + " WHERE cancel_requested = ? AND status IN " + TaskRows.HELD + " ORDER BY agent_id, id")) {
                ps.setBoolean(1, true);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        cancels.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                                .add(new TaskLease(rs.getString(2), Math.max(1, rs.getInt(3))));
                    }
                }
            }
            return new QueueSummary(byAgent, byCapability, cancels, mark);
        });
    }

    @Override
    public int deleteFinishedTasks(Instant before, int limit) {
        Jdbc.requirePositive(limit, "limit");
        return db.transaction("delete finished tasks", null, c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id FROM " + sql.tasks
                            + " WHERE finished_at IS NOT NULL AND finished_at < ? ORDER BY finished_at, id LIMIT ? FOR UPDATE")) {
                sql.setInstant(ps, 1, before);
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
            }
            if (ids.isEmpty()) {
                return 0;
            }
            String in = " IN (" + Jdbc.placeholders(ids.size()) + ")";
            int deleted;
            try (PreparedStatement ps =
                    c.prepareStatement("DELETE FROM " + sql.tasks + " WHERE finished_at < ? AND id" + in)) {
                sql.setInstant(ps, 1, before);
                for (int i = 0; i < ids.size(); i++) {
                    ps.setString(i + 2, ids.get(i));
                }
                deleted = ps.executeUpdate();
            }
            for (String table : List.of(sql.taskAttempts, sql.taskLogs)) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE task_id" + in)) {
                    Jdbc.bindStrings(ps, ids);
                    ps.executeUpdate();
                }
            }
            return deleted;
        });
    }

    private Optional<AgentTask> first(String what, String where, String value) {
        List<AgentTask> found = list(what, where, List.of(value));
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    private List<AgentTask> list(String what, String where, List<String> values) {
        return db.read(what, c -> {
            List<AgentTask> result = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(TaskRows.select(sql) + where)) {
                Jdbc.bindStrings(ps, values);
                readTasks(ps, result);
            }
            return result;
        });
    }

    private void readTasks(PreparedStatement ps, List<AgentTask> into) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                into.add(TaskRows.task(rs, sql));
            }
        }
    }
}
