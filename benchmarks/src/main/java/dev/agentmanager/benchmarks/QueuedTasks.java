package dev.agentmanager.benchmarks;

import dev.agentmanager.store.jdbc.JdbcDialect;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.AgentTasks;
import dev.agentmanager.task.TaskRequest;
import dev.agentmanager.task.TaskState;
import dev.agentmanager.task.TaskStatus;
import dev.agentmanager.task.TaskTarget;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Fills a JDBC store's task queue in bulk (PostgreSQL or H2), with rows shaped exactly as {@code submit} writes
 * them: queuing a million tasks one {@code submit} each would take far longer than the measurement.
 *
 * <p>Each fill submits two templates through the API, one matching by capability and one for a single agent, and
 * copies their stored rows with one {@code INSERT ... SELECT} over a number series per target: every column as
 * the template has it, except the id (32 hex digits, time-ordered like {@code submit}'s: milliseconds, a counter,
 * then digits of the fill's own), the target agent of the targeted rows, and every instant column, moved back by
 * 10 µs per row so that the rows queue in series order ahead of their template. After the fill, one row of each
 * kind is compared with its template column by column and read back through the API as the task it must be;
 * any difference throws.
 */
final class QueuedTasks {
    private static final long STEP_MICROS = 10;

    private final DataSource pool;
    private final JdbcDialect dialect;
    private final String tasks;
    private final AgentTasks api;

    QueuedTasks(DataSource pool, JdbcDialect dialect, String prefix, AgentTasks api) {
        if (dialect == JdbcDialect.MARIADB) {
            throw new IllegalArgumentException("PostgreSQL or H2 only");
        }
        this.pool = pool;
        this.dialect = dialect;
        this.tasks = prefix + "tasks";
        this.api = api;
    }

    /**
     * Submits the two templates ({@code matching}, and {@code targeted} for {@code targets.get(0)}), then inserts
     * queued tasks until {@code total} are queued: every {@code every}-th row for one of {@code targets} in turn,
     * the others matching. Then verifies, and analyzes the table. Returns how many rows it inserted.
     */
    int fillTo(int total, TaskRequest matching, TaskRequest targeted, List<String> targets, int every)
            throws SQLException {
        AgentTask matchingTemplate = stored(api.submit(matching));
        AgentTask targetedTemplate = stored(api.submit(targeted));
        int rows = Math.toIntExact(total - api.count(TaskStatus.QUEUED));
        if (rows < every) {
            throw new IllegalStateException("already " + api.count(TaskStatus.QUEUED) + " queued, more than " + total);
        }
        String salt =
                String.format(Locale.ROOT, "%06x", ThreadLocalRandom.current().nextInt(1 << 24));
        try (Connection c = pool.getConnection()) {
            Map<String, Integer> columns = columns(c);
            insert(c, columns, matchingTemplate, rows, salt, "MOD(g, " + every + ") <> 0", null);
            for (int k = 0; k < targets.size(); k++) {
                String filter = "MOD(g, " + every + ") = 0 AND MOD(g / " + every + ", " + targets.size() + ") = " + k;
                insert(c, columns, targetedTemplate, rows, salt, filter, targets.get(k));
            }
            verify(c, matchingTemplate, rows, 1, salt, null);
            verify(c, targetedTemplate, rows, every, salt, targets.get(1 % targets.size()));
            try (Statement s = c.createStatement()) {
                s.execute(dialect == JdbcDialect.POSTGRESQL ? "VACUUM ANALYZE " + tasks : "ANALYZE");
            }
        }
        long queued = api.count(TaskStatus.QUEUED);
        if (queued != total) {
            throw new IllegalStateException(queued + " tasks queued after the fill, not " + total);
        }
        return rows;
    }

    /** Copies {@code template} to the rows {@code g} in 1..{@code rows} that pass {@code filter}. */
    private void insert(
            Connection c,
            Map<String, Integer> columns,
            AgentTask template,
            int rows,
            String salt,
            String filter,
            @Nullable String target)
            throws SQLException {
        List<String> values = new ArrayList<>();
        for (Map.Entry<String, Integer> e : columns.entrySet()) {
            String column = e.getKey();
            int type = e.getValue();
            if (column.equals("id")) {
                values.add(id(shifted("t.created_at", rows), salt));
            } else if (column.equals("target_agent") && target != null) {
                values.add("?");
            } else if (type == Types.TIMESTAMP_WITH_TIMEZONE || type == Types.TIMESTAMP) {
                values.add(shifted("t." + column, rows));
            } else {
                values.add("t." + column);
            }
        }
        String series = dialect == JdbcDialect.POSTGRESQL
                ? "generate_series(1, " + rows + ") AS s(g)"
                : "(SELECT X AS g FROM SYSTEM_RANGE(1, " + rows + ")) s";
        String insert = "INSERT INTO " + tasks + " (" + String.join(", ", columns.keySet()) + ") SELECT "
                + String.join(", ", values) + " FROM " + tasks + " t CROSS JOIN " + series + " WHERE t.id = ? AND "
                + filter;
        try (PreparedStatement ps = c.prepareStatement(insert)) {
            int i = 1;
            if (target != null) {
                ps.setString(i++, target);
            }
            ps.setString(i, template.id());
            ps.executeUpdate();
        }
    }

    /** The task as the store keeps it (instants to the microsecond). */
    private AgentTask stored(AgentTask submitted) {
        return api.find(submitted.id()).orElseThrow();
    }

    /** The table's columns in order, with their JDBC types. */
    private Map<String, Integer> columns(Connection c) throws SQLException {
        Map<String, Integer> types = new LinkedHashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM " + tasks + " WHERE 1 = 0")) {
            ResultSetMetaData md = rs.getMetaData();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                types.put(md.getColumnName(i).toLowerCase(Locale.ROOT), md.getColumnType(i));
            }
        }
        return types;
    }

    /** Row {@code g}'s instant: the template's, {@code (rows + 1 - g) × 10 µs} earlier. */
    private String shifted(String column, int rows) {
        String micros = "(" + (rows + 1) + " - g) * " + STEP_MICROS;
        return dialect == JdbcDialect.POSTGRESQL
                ? column + " - " + micros + " * INTERVAL '1 microsecond'"
                : "DATEADD(MICROSECOND, -" + micros + ", " + column + ")";
    }

    /** 12 hex digits of epoch milliseconds, 6 of the row's counter, the fill's salt, 8 of the row number. */
    private String id(String created, String salt) {
        if (dialect == JdbcDialect.POSTGRESQL) {
            return "lpad(to_hex(floor(extract(epoch FROM " + created + ") * 1000)::bigint), 12, '0')"
                    + " || lpad(to_hex(g % 16777216), 6, '0') || '" + salt + "' || lpad(to_hex(g), 8, '0')";
        }
        String g = "RAWTOHEX(CAST(CAST(g AS INT) AS BINARY(4)))";
        return "LOWER(SUBSTRING(RAWTOHEX(CAST(CAST(FLOOR(EXTRACT(EPOCH FROM " + created
                + ") * 1000) AS BIGINT) AS BINARY(8))), 5, 12) || SUBSTRING(" + g + ", 3, 6) || '" + salt + "' || "
                + g + ")";
    }

    /** Row {@code g}'s id, as {@link #id} computes it from its creation instant. */
    private static String expectedId(Instant created, int g, String salt) {
        return String.format(Locale.ROOT, "%012x%06x%s%08x", created.toEpochMilli(), g % 16_777_216, salt, g);
    }

    /**
     * Row {@code g} of the fill against its template: in the table, every column the template's except the id,
     * the target and the instants (each the template's, moved back by the same step, or both null); through the
     * API, the template's task with that id, target and instants.
     */
    private void verify(Connection c, AgentTask template, int rows, int g, String salt, @Nullable String target)
            throws SQLException {
        Duration back = Duration.ofNanos((rows + 1L - g) * STEP_MICROS * 1_000);
        Instant created = template.createdAt().minus(back);
        String id = expectedId(created, g, salt);
        Map<String, Object> copy = row(c, id);
        Map<String, Object> original = row(c, template.id());
        for (Map.Entry<String, Object> e : original.entrySet()) {
            String column = e.getKey();
            Object want = e.getValue();
            Object got = copy.get(column);
            boolean same;
            if (column.equals("id")) {
                same = id.equals(got);
            } else if (column.equals("target_agent") && target != null) {
                same = target.equals(got);
            } else if (want instanceof OffsetDateTime w) {
                same = got instanceof OffsetDateTime o
                        && o.toInstant().equals(w.toInstant().minus(back));
            } else if (want instanceof byte[] w) {
                same = got instanceof byte[] o && Arrays.equals(w, o);
            } else {
                same = Objects.equals(want, got);
            }
            if (!same) {
                throw new IllegalStateException("seeded row " + id + ", column " + column + ": " + got
                        + ", but the submitted template " + template.id() + " has " + want);
            }
        }
        TaskRequest request = template.request();
        if (target != null) {
            request = new TaskRequest(
                    request.type(),
                    request.payload(),
                    TaskTarget.agent(target),
                    request.priority(),
                    request.idempotencyKey(),
                    request.retry(),
                    request.timeouts(),
                    request.concurrencyGroup(),
                    request.concurrencyLimit());
        }
        Instant deadline = Objects.requireNonNull(template.state().deadline()).minus(back);
        AgentTask expected = new AgentTask(
                id,
                request,
                created,
                template.rerunOf(),
                TaskState.queued(template.state().queuedAt().minus(back), deadline),
                template.version());
        AgentTask found = api.find(id).orElseThrow(() -> new IllegalStateException("seeded task " + id + " not found"));
        if (!found.equals(expected)) {
            throw new IllegalStateException("seeded task reads back as " + found + ", expected " + expected);
        }
    }

    private Map<String, Object> row(Connection c, String id) throws SQLException {
        Map<String, Object> row = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM " + tasks + " WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("no row " + id + " in " + tasks);
                }
                ResultSetMetaData md = rs.getMetaData();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    int type = md.getColumnType(i);
                    Object value = type == Types.TIMESTAMP_WITH_TIMEZONE || type == Types.TIMESTAMP
                            ? rs.getObject(i, OffsetDateTime.class)
                            : rs.getObject(i);
                    row.put(md.getColumnName(i).toLowerCase(Locale.ROOT), value);
                }
            }
        }
        return row;
    }

    /**
     * The database's plan of the claim's widest candidate query ({@code TaskClaims.candidates} at the scan limit, its
     * column list as {@code *}; on H2 read unlocked along the claim index, as there) for this agent, executed (and
     * rolled back: it locks rows).
     */
    List<String> explainClaim(String agentId, List<String> capabilityNames, int scanLimit) throws SQLException {
        List<String> plan = new ArrayList<>();
        String names = String.join(
                ", ", capabilityNames.stream().sorted().map(n -> "'" + n + "'").toList());
        String select = (dialect == JdbcDialect.POSTGRESQL ? "EXPLAIN (ANALYZE, BUFFERS)" : "EXPLAIN ANALYZE")
                + " SELECT * FROM " + tasks
                + (dialect == JdbcDialect.H2 ? " USE INDEX (" + tasks + "_claim_idx)" : "")
                + " WHERE status = 'QUEUED'"
                + " AND (target_agent = '" + agentId + "' OR (target_agent IS NULL AND (first_capability IS NULL OR"
                + " first_capability IN (" + names + "))))"
                + (dialect == JdbcDialect.H2
                        ? " ORDER BY status, priority DESC, created_at, id LIMIT " + scanLimit
                        : " ORDER BY priority DESC, created_at, id LIMIT " + scanLimit + " FOR UPDATE SKIP LOCKED");
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(select)) {
                while (rs.next()) {
                    plan.addAll(rs.getString(1).lines().toList());
                }
                if (dialect == JdbcDialect.H2) { // its plan lists every column first
                    plan.subList(
                                    0,
                                    Math.max(
                                            0,
                                            plan.indexOf(plan.stream()
                                                    .filter(line -> line.startsWith("FROM "))
                                                    .findFirst()
                                                    .orElse(""))))
                            .clear();
                }
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
        return plan;
    }
}
