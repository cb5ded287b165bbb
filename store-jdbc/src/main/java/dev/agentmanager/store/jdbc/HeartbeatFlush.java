package dev.agentmanager.store.jdbc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.agentmanager.store.jdbc.internal.HeartbeatBuffer.FlushRow;
import dev.agentmanager.store.jdbc.internal.HeartbeatBuffer.Pending;
import dev.agentmanager.store.jdbc.internal.Sql;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Writes buffered liveness in bulk, the one place where the databases need different code: one
 * {@code UPDATE ... FROM unnest(...)} per chunk on PostgreSQL, one {@code UPDATE} joined to
 * {@code JSON_TABLE(...)} per chunk on MariaDB, a JDBC batch on H2. Every row is conditional on the stored
 * version and on the stored (epoch, sequence) being older, so the stored pair never goes backwards.
 */
final class HeartbeatFlush {
    private static final JsonFactory JSON = new JsonFactory();
    /** The text MariaDB reads as {@code DATETIME(6)}, in UTC. */
    private static final DateTimeFormatter DATETIME = DateTimeFormatter.ofPattern(
                    "uuuu-MM-dd HH:mm:ss.SSSSSS", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final Jdbc db;
    private final Sql sql;
    private final String flushUpdate;
    private final String flushUpdateJson;

    HeartbeatFlush(Jdbc db, Sql sql) {
        this.db = db;
        this.sql = sql;
        this.flushUpdate = sql.dialect == JdbcDialect.POSTGRESQL
                ? "UPDATE " + sql.liveness + " AS l SET"
                        + " indexed_deadline = CASE WHEN l.indexed_deadline > u.deadline"
                        + " OR l.indexed_deadline < u.refresh_before THEN u.deadline ELSE l.indexed_deadline END,"
                        + " boot_epoch = u.boot_epoch, sequence_no = u.sequence_no, last_heartbeat_at = u.received_at,"
                        + " deadline = u.deadline, clock_skew_nanos = u.clock_skew_nanos"
                        // instants travel as epoch microseconds: far cheaper to encode than timestamp text
                        + " FROM (SELECT agent_id, version, boot_epoch, sequence_no, clock_skew_nanos,"
                        + " TIMESTAMPTZ '1970-01-01 00:00:00+00' + received_us * INTERVAL '1 microsecond' AS received_at,"
                        + " TIMESTAMPTZ '1970-01-01 00:00:00+00' + deadline_us * INTERVAL '1 microsecond' AS deadline,"
                        + " TIMESTAMPTZ '1970-01-01 00:00:00+00' + refresh_us * INTERVAL '1 microsecond' AS refresh_before"
                        + " FROM unnest(?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[],"
                        + " ?::bigint[], ?::bigint[])"
                        + " AS v(agent_id, version, boot_epoch, sequence_no, received_us, deadline_us, clock_skew_nanos,"
                        + " refresh_us)) AS u"
                        + " WHERE l.agent_id = u.agent_id AND l.version = u.version AND (l.boot_epoch < u.boot_epoch"
                        + " OR (l.boot_epoch = u.boot_epoch AND l.sequence_no < u.sequence_no))"
                : "UPDATE " + sql.liveness + " SET"
                        + " indexed_deadline = CASE WHEN indexed_deadline > ? OR indexed_deadline < ? THEN ?"
                        + " ELSE indexed_deadline END,"
                        + " boot_epoch = ?, sequence_no = ?, last_heartbeat_at = ?, deadline = ?, clock_skew_nanos = ?"
                        + " WHERE agent_id = ? AND version = ?"
                        + " AND (boot_epoch < ? OR (boot_epoch = ? AND sequence_no < ?))";
        // MariaDB: one multi-table UPDATE per chunk, joined to the chunk given as one JSON parameter (the
        // counterpart of PostgreSQL's unnest). JSON_TABLE comes first (STRAIGHT_JOIN), so every row is one
        // primary-key probe in the chunk's (sorted) order. Assignments run left to right in MariaDB: the
        // indexed_deadline CASE comes first and so reads the stored value. MariaDB updates the joined table
        // through an internal temporary table keyed by its primary key; VARCHAR(127) ids keep that key in memory.
        this.flushUpdateJson = "UPDATE JSON_TABLE(?, '$[*]' COLUMNS ("
                + "agent_id VARCHAR(127) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$[0]',"
                + " version BIGINT PATH '$[1]', boot_epoch BIGINT PATH '$[2]', sequence_no BIGINT PATH '$[3]',"
                + " received_at DATETIME(6) PATH '$[4]', deadline DATETIME(6) PATH '$[5]',"
                + " clock_skew_nanos BIGINT PATH '$[6]', refresh_before DATETIME(6) PATH '$[7]')) AS u"
                + " STRAIGHT_JOIN " + sql.liveness + " AS l ON l.agent_id = u.agent_id SET"
                + " l.indexed_deadline = CASE WHEN l.indexed_deadline > u.deadline"
                + " OR l.indexed_deadline < u.refresh_before THEN u.deadline ELSE l.indexed_deadline END,"
                + " l.boot_epoch = u.boot_epoch, l.sequence_no = u.sequence_no, l.last_heartbeat_at = u.received_at,"
                + " l.deadline = u.deadline, l.clock_skew_nanos = u.clock_skew_nanos"
                + " WHERE l.version = u.version AND (l.boot_epoch < u.boot_epoch"
                + " OR (l.boot_epoch = u.boot_epoch AND l.sequence_no < u.sequence_no))";
    }

    /** Binds the eight liveness parameters of the non-PostgreSQL flush and write-through statements. */
    int bindLiveness(PreparedStatement ps, int first, Pending beat) throws SQLException {
        int i = first;
        sql.setInstant(ps, i++, beat.deadline());
        sql.setInstant(ps, i++, beat.refreshIndexBefore());
        sql.setInstant(ps, i++, beat.deadline());
        ps.setLong(i++, beat.bootEpoch());
        ps.setLong(i++, beat.sequence());
        sql.setInstant(ps, i++, beat.receivedAt());
        sql.setInstant(ps, i++, beat.deadline());
        Sql.setNullableLong(ps, i++, beat.clockSkewNanos());
        return i;
    }

    /** Writes one chunk of buffered liveness; returns the agents whose row the conditions refused. */
    Set<String> writeChunk(List<FlushRow> chunk) throws SQLException {
        return db.transactionOrThrow(c -> switch (sql.dialect) {
            case POSTGRESQL -> writeChunkUnnest(c, chunk);
            case MARIADB -> writeChunkJson(c, chunk);
            case H2 -> writeChunkBatch(c, chunk);
        });
    }

    private Set<String> writeChunkUnnest(Connection c, List<FlushRow> chunk) throws SQLException {
        // Knowing the array's length, the planner prefers hashing the whole liveness table to a few thousand
        // primary-key probes; that costs the fleet's size per chunk. For this transaction only: probes.
        try (Statement s = c.createStatement()) {
            s.execute("SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)");
        }
        return writeUnnest(c, chunk);
    }

    private Set<String> writeUnnest(Connection c, List<FlushRow> chunk) throws SQLException {
        int n = chunk.size();
        String[] ids = new String[n];
        Long[] versions = new Long[n];
        Long[] epochs = new Long[n];
        Long[] sequences = new Long[n];
        Long[] received = new Long[n];
        Long[] deadlines = new Long[n];
        Long[] skews = new Long[n];
        Long[] refresh = new Long[n];
        for (int i = 0; i < n; i++) {
            FlushRow row = chunk.get(i);
            Pending p = row.pending();
            ids[i] = row.agentId();
            versions[i] = row.version();
            epochs[i] = p.bootEpoch();
            sequences[i] = p.sequence();
            received[i] = epochMicros(p.receivedAt());
            deadlines[i] = epochMicros(p.deadline());
            skews[i] = p.clockSkewNanos();
            refresh[i] = epochMicros(p.refreshIndexBefore());
        }
        int updated;
        try (PreparedStatement ps = c.prepareStatement(flushUpdate)) {
            Array[] arrays = {
                c.createArrayOf("text", ids),
                c.createArrayOf("bigint", versions),
                c.createArrayOf("bigint", epochs),
                c.createArrayOf("bigint", sequences),
                c.createArrayOf("bigint", received),
                c.createArrayOf("bigint", deadlines),
                c.createArrayOf("bigint", skews),
                c.createArrayOf("bigint", refresh)
            };
            for (int i = 0; i < arrays.length; i++) {
                ps.setArray(i + 1, arrays[i]);
            }
            updated = ps.executeUpdate();
            for (Array a : arrays) {
                a.free();
            }
        }
        return updated == n ? Set.of() : refusedRows(c, chunk);
    }

    /**
     * The rows of a flushed chunk that were not written, judged by what the database holds now (inside the
     * flush's transaction): a row was written if the stored version and pair are the row's.
     */
    private Set<String> refusedRows(Connection c, List<FlushRow> chunk) throws SQLException {
        Set<String> refused = new HashSet<>();
        Map<String, FlushRow> byId = new HashMap<>();
        for (FlushRow row : chunk) {
            byId.put(row.agentId(), row);
            refused.add(row.agentId());
        }
        List<String> ids = new ArrayList<>(byId.keySet());
        for (int from = 0; from < ids.size(); from += 500) {
            List<String> page = ids.subList(from, Math.min(ids.size(), from + 500));
            try (PreparedStatement ps = c.prepareStatement("SELECT agent_id, version, boot_epoch, sequence_no FROM "
                    + sql.liveness + " WHERE agent_id IN (" + Jdbc.placeholders(page.size()) + ")")) {
                Jdbc.bindStrings(ps, page);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        FlushRow row = byId.get(rs.getString(1));
                        if (row != null
                                && rs.getLong(2) == row.version()
                                && rs.getLong(3) == row.pending().bootEpoch()
                                && rs.getLong(4) == row.pending().sequence()) {
                            refused.remove(row.agentId());
                        }
                    }
                }
            }
        }
        return refused;
    }

    private static long epochMicros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
    }

    /**
     * MariaDB: the chunk as one JSON array of rows {@code [id, version, epoch, sequence, received, deadline, skew,
     * refresh]} (instants as UTC {@code DATETIME(6)} text, as {@link Sql#setInstant} stores them) in one
     * statement. A JDBC batch would run one UPDATE per row on the server, far slower.
     */
    private Set<String> writeChunkJson(Connection c, List<FlushRow> chunk) throws SQLException {
        StringWriter json = new StringWriter(chunk.size() * 128);
        try (JsonGenerator g = JSON.createGenerator(json)) {
            g.writeStartArray();
            for (FlushRow row : chunk) {
                Pending p = row.pending();
                g.writeStartArray();
                g.writeString(row.agentId());
                g.writeNumber(row.version());
                g.writeNumber(p.bootEpoch());
                g.writeNumber(p.sequence());
                g.writeString(DATETIME.format(Sql.truncate(p.receivedAt())));
                g.writeString(DATETIME.format(Sql.truncate(p.deadline())));
                if (p.clockSkewNanos() == null) {
                    g.writeNull();
                } else {
                    g.writeNumber(p.clockSkewNanos());
                }
                g.writeString(DATETIME.format(Sql.truncate(p.refreshIndexBefore())));
                g.writeEndArray();
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        int updated;
        try (PreparedStatement ps = c.prepareStatement(flushUpdateJson)) {
            ps.setString(1, json.toString());
            updated = ps.executeUpdate();
        }
        // the count is of matched rows (or of changed rows, with useAffectedRows): either way, when it falls
        // short, what the database now holds tells which rows were refused
        return updated == chunk.size() ? Set.of() : refusedRows(c, chunk);
    }

    private Set<String> writeChunkBatch(Connection c, List<FlushRow> chunk) throws SQLException {
        int[] counts;
        try (PreparedStatement ps = c.prepareStatement(flushUpdate)) {
            for (FlushRow row : chunk) {
                Pending p = row.pending();
                int i = bindLiveness(ps, 1, p);
                ps.setString(i++, row.agentId());
                ps.setLong(i++, row.version());
                ps.setLong(i++, p.bootEpoch());
                ps.setLong(i++, p.bootEpoch());
                ps.setLong(i, p.sequence());
                ps.addBatch();
            }
            counts = ps.executeBatch();
        }
        Set<String> refused = new HashSet<>();
        boolean unknown = false;
        for (int i = 0; i < chunk.size(); i++) {
            if (counts[i] == 0) {
                refused.add(chunk.get(i).agentId());
            } else if (counts[i] < 0) {
                unknown = true;
            }
        }
        // A driver that does not report per-row counts: what the database now holds tells.
        if (unknown) {
            refused = refusedRows(c, chunk);
        }
        return refused;
    }
}
