package dev.agentmanager.store.jdbc;

import dev.agentmanager.spi.TaskClaimQuery;
import dev.agentmanager.spi.TaskClaimer;
import dev.agentmanager.store.jdbc.internal.Sql;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.TaskStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The claim: one READ COMMITTED transaction per call that
 *
 * <ol>
 *   <li>locks the agent's row in {@code task_claimers} ({@code SELECT ... FOR UPDATE}; inserted at the agent's first
 *       claim), so that claims for one agent run one at a time across replicas, and counts the tasks the agent
 *       holds;
 *   <li>locks queued candidates in claim order with {@code FOR UPDATE SKIP LOCKED}, a small page first and up to
 *       {@code scanLimit} only if the page did not serve the claim: rows another claim holds are skipped, never
 *       waited for;
 *   <li>for a candidate with a concurrency group, locks the group's row in {@code task_groups} (skipping the
 *       candidate if another claim holds it) and counts the group's held tasks;
 *   <li>asks the claimer, and writes its answer with a version-conditional {@code UPDATE}.
 * </ol>
 *
 * Counts are read after the lock that serializes their writers, at READ COMMITTED (set for the claim, since
 * MariaDB defaults to REPEATABLE READ, whose snapshot could predate the lock). Locks are only ever skipped or taken
 * in one order (agent, then tasks and groups without waiting), so claims do not deadlock one another.
 */
final class TaskClaims {
    /** The fewest candidates a claim locks first. */
    private static final int FIRST_PAGE = 16;

    private final Jdbc db;
    private final Sql sql;
    private final String lockAgent;
    private final String countHeld;
    private final String lockGroup;
    private final String countGroup;
    private final String update;

    TaskClaims(Jdbc db, Sql sql) {
        this.db = db;
        this.sql = sql;
        this.lockAgent = "SELECT agent_id FROM " + sql.taskClaimers + " WHERE agent_id = ? FOR UPDATE";
        this.countHeld = "SELECT COUNT(*) FROM " + sql.tasks + " WHERE agent_id = ? AND status IN " + TaskRows.HELD;
        this.lockGroup = "SELECT name FROM " + sql.taskGroups + " WHERE name = ? FOR UPDATE SKIP LOCKED";
        this.countGroup =
                "SELECT COUNT(*) FROM " + sql.tasks + " WHERE concurrency_group = ? AND status IN " + TaskRows.HELD;
        this.update = "UPDATE " + sql.tasks + " SET " + TaskRows.STATE_ASSIGNMENTS + " WHERE id = ? AND version = ?";
    }

    List<AgentTask> claim(TaskClaimQuery query, TaskClaimer claimer) {
        Jdbc.requireStorableId("agent id", query.agentId());
        boolean registered = false;
        for (int attempt = 1; ; attempt++) {
            try (Connection c = db.connection()) {
                int isolation = c.getTransactionIsolation();
                boolean change = isolation != Connection.TRANSACTION_READ_COMMITTED;
                if (change) {
                    c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                }
                try {
                    Optional<List<AgentTask>> claimed = Jdbc.inTransaction(c, tx -> claimIn(tx, query, claimer));
                    if (claimed.isPresent()) {
                        return claimed.get();
                    }
                    if (registered) {
                        throw new IllegalStateException("task claimer row missing for " + query.agentId());
                    }
                    // the agent's first claim: its lock row, in autocommit mode (rows are never deleted)
                    ensureRow(c, sql, sql.taskClaimers, "agent_id", query.agentId());
                    registered = true;
                    attempt--; // registering is not a failed attempt
                } finally {
                    if (change) {
                        c.setTransactionIsolation(isolation);
                    }
                }
            } catch (SQLException e) {
                if (!Sql.isTransient(e) || attempt >= Jdbc.MAX_ATTEMPTS) {
                    throw new JdbcStoreException("claim tasks", e);
                }
            }
        }
    }

    /** The claim in one transaction; empty if the agent has no lock row yet. */
    private Optional<List<AgentTask>> claimIn(Connection c, TaskClaimQuery query, TaskClaimer claimer)
            throws SQLException {
        if (!exists(c, lockAgent, query.agentId())) {
            return Optional.empty();
        }
        Claim claim = new Claim(query, count(c, countHeld, query.agentId()));
        if (!claim.wantsMore()) {
            return Optional.of(claim.claimed);
        }
        // Most claims are served by the first few candidates: lock a page of those first, and the whole scan
        // limit only if the page did not serve the claim (rows this transaction locked come again, and are skipped).
        int firstPage = Math.min(query.scanLimit(), Math.max(FIRST_PAGE, 4 * query.max()));
        List<AgentTask> page = candidates(c, query, firstPage);
        Set<String> seen = new HashSet<>();
        consider(c, page, seen, claim, claimer);
        if (claim.wantsMore() && page.size() == firstPage && firstPage < query.scanLimit()) {
            consider(c, candidates(c, query, query.scanLimit()), seen, claim, claimer);
        }
        return Optional.of(claim.claimed);
    }

    /** What one claim has taken so far. */
    private static final class Claim {
        final TaskClaimQuery query;
        final List<AgentTask> claimed = new ArrayList<>();
        final Set<String> lockedGroups = new HashSet<>();
        long held;

        Claim(TaskClaimQuery query, long held) {
            this.query = query;
            this.held = held;
        }

        boolean wantsMore() {
            return claimed.size() < query.max() && held < query.capacity();
        }
    }

    private void consider(Connection c, List<AgentTask> candidates, Set<String> seen, Claim claim, TaskClaimer claimer)
            throws SQLException {
        for (AgentTask candidate : candidates) {
            if (!claim.wantsMore()) {
                return;
            }
            if (!seen.add(candidate.id())) {
                continue;
            }
            String group = candidate.request().concurrencyGroup();
            if (group != null) {
                if (!claim.lockedGroups.contains(group)) {
                    if (!exists(c, lockGroup, group)) {
                        continue; // another claim is counting this group, or its row is missing
                    }
                    claim.lockedGroups.add(group);
                }
                if (count(c, countGroup, group) >= candidate.request().concurrencyLimit()) {
                    continue;
                }
            }
            AgentTask decided = claimer.claim(candidate);
            if (decided == null) {
                continue;
            }
            if (!decided.id().equals(candidate.id()) || decided.version() != candidate.version()) {
                throw new IllegalArgumentException("the claimer must return the candidate's id and version");
            }
            long version = candidate.version() + 1;
            try (PreparedStatement ps = c.prepareStatement(update)) {
                int i = TaskRows.bindState(ps, sql, 1, decided.state(), version);
                ps.setString(i++, candidate.id());
                ps.setLong(i, candidate.version());
                if (ps.executeUpdate() != 1) {
                    continue; // another claim took it (H2 reads candidates unlocked); elsewhere a guard
                }
            }
            AgentTask stored = decided.withVersion(version);
            claim.claimed.add(stored);
            if (stored.status().isHeld()) {
                claim.held++;
            }
        }
    }

    /**
     * The queued tasks this agent may take, in claim order, locked (rows other claims hold are skipped), except on
     * H2 (see below).
     */
    private List<AgentTask> candidates(Connection c, TaskClaimQuery query, int limit) throws SQLException {
        List<String> names = query.capabilityNames().stream().sorted().toList();
        String capabilityFilter = names.isEmpty()
                ? "first_capability IS NULL"
                : "(first_capability IS NULL OR first_capability IN (" + Jdbc.placeholders(names.size()) + "))";
        // H2 reads every queued task for FOR UPDATE with a limit, and walks the claim index in order only when
        // told to and when the order names its first column: there candidates are read unlocked, in index order,
        // and the version-conditional UPDATE decides between racing claims (a loser's update matches no row)
        boolean h2 = sql.dialect == JdbcDialect.H2;
        String select = TaskRows.select(sql)
                + (h2 ? " USE INDEX (" + sql.tasks + "_claim_idx)" : "")
                + " WHERE status = '" + TaskStatus.QUEUED + "'"
                + " AND (target_agent = ? OR (target_agent IS NULL AND " + capabilityFilter + "))"
                + (h2
                        ? " ORDER BY status, priority DESC, created_at, id LIMIT ?"
                        : " ORDER BY priority DESC, created_at, id LIMIT ? FOR UPDATE SKIP LOCKED");
        List<AgentTask> result = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(select)) {
            int i = 1;
            ps.setString(i++, query.agentId());
            for (String name : names) {
                ps.setString(i++, name);
            }
            ps.setInt(i, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(TaskRows.task(rs, sql));
                }
            }
        }
        return result;
    }

    private static boolean exists(Connection c, String lockingSelect, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(lockingSelect)) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static long count(Connection c, String select, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(select)) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Inserts a lock row unless it exists (in autocommit mode; rows are never deleted). */
    static void ensureRow(Connection c, Sql sql, String table, String column, String key) throws SQLException {
        String statement = switch (sql.dialect) {
            case POSTGRESQL -> "INSERT INTO " + table + " (" + column + ") VALUES (?) ON CONFLICT DO NOTHING";
            case MARIADB -> "INSERT IGNORE INTO " + table + " (" + column + ") VALUES (?)";
            case H2 ->
                "INSERT INTO " + table + " (" + column + ") SELECT CAST(? AS VARCHAR) WHERE NOT EXISTS"
                        + " (SELECT 1 FROM " + table + " WHERE " + column + " = ?)";
        };
        try (PreparedStatement ps = c.prepareStatement(statement)) {
            ps.setString(1, key);
            if (sql.dialect == JdbcDialect.H2) {
                ps.setString(2, key);
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            if (!Sql.isIntegrityViolation(e)) {
                throw e; // a duplicate means another replica inserted it first
            }
        }
    }
}
