package dev.agentmanager.store.jdbc;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentLiveness;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Capability;
import dev.agentmanager.store.jdbc.internal.DatabaseClock;
import dev.agentmanager.store.jdbc.internal.Json;
import dev.agentmanager.store.jdbc.internal.Rows;
import dev.agentmanager.store.jdbc.internal.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The agent tables: the durable row, its capabilities and labels, and the liveness row a registration creates.
 * Reads here return agents as stored (liveness on the database's clock, without this replica's buffered
 * heartbeats); {@link HeartbeatPath#present} makes them what callers see.
 */
final class AgentRecords {
    private final Jdbc db;
    private final Sql sql;
    private final DatabaseClock dbClock;

    AgentRecords(Jdbc db, Sql sql, DatabaseClock dbClock) {
        this.db = db;
        this.sql = sql;
        this.dbClock = dbClock;
    }

    void insert(Connection c, Agent agent) throws SQLException {
        String json = sql.jsonParameter();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.agents + " (" + Rows.INSERT_COLUMNS
                + ") VALUES (?, ?, ?, ?, " + json + ", " + json + ", " + json
                + ", ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, agent.id());
            Rows.bindDurable(ps, 2, sql, agent, agent.version());
            ps.executeUpdate();
        }
        insertCapabilities(c, agent.id(), agent.capabilities());
        insertLabels(c, agent.id(), agent.labels());
        AgentLiveness l = agent.liveness();
        Instant deadline = dbClock.toDatabase(l.deadline());
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.liveness
                + " (agent_id, version, monitored, boot_epoch, sequence_no, last_heartbeat_at, deadline,"
                + " clock_skew_nanos, indexed_deadline) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, agent.id());
            ps.setLong(2, agent.version());
            ps.setBoolean(3, Rows.monitored(agent.status()));
            ps.setLong(4, l.bootEpoch());
            ps.setLong(5, l.sequence());
            sql.setInstant(ps, 6, l.lastHeartbeatAt() == null ? null : dbClock.toDatabase(l.lastHeartbeatAt()));
            sql.setInstant(ps, 7, deadline);
            Sql.setNullableLong(
                    ps, 8, l.clockSkew() == null ? null : l.clockSkew().toNanos());
            sql.setInstant(ps, 9, deadline);
            ps.executeUpdate();
        }
    }

    private void insertCapabilities(Connection c, String agentId, Set<Capability> capabilities) throws SQLException {
        if (capabilities.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.capabilities
                + " (agent_id, capability_name, capability_version) VALUES (?, ?, ?)")) {
            for (Capability cap : capabilities) {
                ps.setString(1, agentId);
                ps.setString(2, cap.name());
                Sql.setNullableString(ps, 3, cap.version());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void insertLabels(Connection c, String agentId, Map<String, String> labels) throws SQLException {
        if (labels.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO " + sql.labels + " (agent_id, label_key, label_value) VALUES (?, ?, ?)")) {
            for (Map.Entry<String, String> e : labels.entrySet()) {
                ps.setString(1, agentId);
                ps.setString(2, e.getKey());
                ps.setString(3, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    Optional<Agent> read(Connection c, String agentId) throws SQLException {
        List<Agent> agents = query(c, sql.selectAgents() + " WHERE a.id = ?", List.of(agentId));
        return agents.isEmpty() ? Optional.empty() : Optional.of(agents.get(0));
    }

    List<Agent> query(Connection c, String query, List<?> params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(query)) {
            bind(ps, params);
            List<Agent> result = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(Rows.agent(rs, sql));
                }
            }
            return result;
        }
    }

    private void bind(PreparedStatement ps, List<?> params) throws SQLException {
        int i = 1;
        for (Object p : params) {
            if (p instanceof Instant instant) {
                sql.setInstant(ps, i++, instant);
            } else if (p instanceof Integer n) {
                ps.setInt(i++, n);
            } else {
                ps.setString(i++, (String) p);
            }
        }
    }

    /** Stored, not merged with buffered liveness. */
    Optional<Agent> findByThumbprint(String thumbprint) {
        requireNonNull(thumbprint, "thumbprint");
        return db.read("find agent by thumbprint", c -> {
            List<Agent> found =
                    query(c, sql.selectAgents() + " WHERE a.cert_thumbprint = ? ORDER BY a.id", List.of(thumbprint));
            if (found.isEmpty()) {
                found = query(
                        c, sql.selectAgents() + " WHERE a.next_cert_thumbprint = ? ORDER BY a.id", List.of(thumbprint));
            }
            return found.isEmpty() ? Optional.<Agent>empty() : Optional.of(found.get(0));
        });
    }

    /** Stored, not merged with buffered liveness. */
    List<Agent> find(AgentQuery query) {
        requireNonNull(query, "query");
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        List<Object> params = new ArrayList<>();
        if (!query.statuses().isEmpty()) {
            where.append(" AND a.status IN (")
                    .append(Jdbc.placeholders(query.statuses().size()))
                    .append(')');
            query.statuses().stream().map(Enum::name).sorted().forEach(params::add);
        }
        if (query.capabilityName() != null) {
            where.append(" AND EXISTS (SELECT 1 FROM ")
                    .append(sql.capabilities)
                    .append(" c WHERE c.agent_id = a.id AND c.capability_name = ?")
                    .append(query.minimumCapabilityVersion() == null ? ")" : " AND c.capability_version IS NOT NULL)");
            params.add(query.capabilityName());
        }
        for (Map.Entry<String, String> label : query.labels().entrySet()) {
            where.append(" AND EXISTS (SELECT 1 FROM ")
                    .append(sql.labels)
                    .append(" x WHERE x.agent_id = a.id AND x.label_key = ? AND x.label_value = ?)");
            params.add(label.getKey());
            params.add(label.getValue());
        }
        // The minimum capability version compares by Capability.compareVersions, in Java: page through the
        // SQL matches until the page is full.
        boolean exactInSql = query.minimumCapabilityVersion() == null;
        return db.read("find agents", c -> {
            List<Agent> result = new ArrayList<>();
            String after = query.afterId();
            while (result.size() < query.limit()) {
                int fetch = exactInSql ? query.limit() - result.size() : query.limit();
                List<Object> pageParams = new ArrayList<>(params);
                String pageWhere = where.toString();
                if (after != null) {
                    pageWhere += " AND a.id > ?";
                    pageParams.add(after);
                }
                pageParams.add(fetch);
                List<Agent> page = query(c, sql.selectAgents() + pageWhere + " ORDER BY a.id LIMIT ?", pageParams);
                for (Agent a : page) {
                    if (result.size() < query.limit() && query.matches(a)) {
                        result.add(a);
                    }
                }
                if (page.size() < fetch) {
                    break;
                }
                after = page.get(page.size() - 1).id();
            }
            return result;
        });
    }

    long count(AgentStatus status) {
        requireNonNull(status, "status");
        return db.read("count agents", c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT COUNT(*) FROM " + sql.agents + " WHERE status = ?")) {
                ps.setString(1, status.name());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    /** The conditional durable write inside a transaction; empty (nothing written) if a condition failed. */
    Optional<Agent> writeDurable(
            Connection c, Agent agent, long expectedVersion, long newVersion, @Nullable Instant overdueAt)
            throws SQLException {
        String id = agent.id();
        // changed_at feeds the other replicas' heartbeat caches (AgentCache)
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.liveness
                + " SET version = ?, monitored = ?, changed_at = " + sql.currentTimeExpression()
                + " WHERE agent_id = ? AND version = ?"
                + (overdueAt == null ? "" : " AND deadline < ?"))) {
            ps.setLong(1, newVersion);
            ps.setBoolean(2, Rows.monitored(agent.status()));
            ps.setString(3, id);
            ps.setLong(4, expectedVersion);
            if (overdueAt != null) {
                sql.setInstant(ps, 5, overdueAt);
            }
            if (ps.executeUpdate() == 0) {
                return Optional.empty();
            }
        }
        Set<Capability> oldCapabilities = Set.of();
        Map<String, String> oldLabels = Map.of();
        try (PreparedStatement ps =
                c.prepareStatement("SELECT capabilities, labels FROM " + sql.agents + " WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    oldCapabilities = Json.parseCapabilities(rs.getString(1));
                    oldLabels = Json.parseLabels(rs.getString(2));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.agents + " SET "
                + String.format(Rows.DURABLE_ASSIGNMENTS, sql.jsonParameter()) + " WHERE id = ?")) {
            int next = Rows.bindDurable(ps, 1, sql, agent, newVersion);
            ps.setString(next, id);
            ps.executeUpdate();
        }
        if (!oldCapabilities.equals(agent.capabilities())) {
            deleteChildren(c, sql.capabilities, id);
            insertCapabilities(c, id, agent.capabilities());
        }
        if (!oldLabels.equals(agent.labels())) {
            deleteChildren(c, sql.labels, id);
            insertLabels(c, id, agent.labels());
        }
        return read(c, id);
    }

    private void deleteChildren(Connection c, String table, String agentId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE agent_id = ?")) {
            ps.setString(1, agentId);
            ps.executeUpdate();
        }
    }
}
