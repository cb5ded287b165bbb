package dev.agentmanager.store.jdbc;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentLiveness;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Capability;
import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.TokenRedemption;
import dev.agentmanager.spi.HeartbeatWrite;
import dev.agentmanager.spi.IAgentStore;
import dev.agentmanager.store.jdbc.internal.DatabaseClock;
import dev.agentmanager.store.jdbc.internal.HeartbeatBuffer;
import dev.agentmanager.store.jdbc.internal.HeartbeatBuffer.FlushRow;
import dev.agentmanager.store.jdbc.internal.HeartbeatBuffer.Pending;
import dev.agentmanager.store.jdbc.internal.HeartbeatBuffer.StoredState;
import dev.agentmanager.store.jdbc.internal.Json;
import dev.agentmanager.store.jdbc.internal.Rows;
import dev.agentmanager.store.jdbc.internal.SchemaScripts;
import dev.agentmanager.store.jdbc.internal.Sql;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * {@link IAgentStore} on any {@link DataSource}: H2 (the embedded default), PostgreSQL and MariaDB. Several
 * replicas (processes) may share one database: every atomic operation of the SPI is one conditional statement
 * or one transaction whose row count tells the caller whether it won.
 *
 * <pre>{@code
 * JdbcAgentStore store = JdbcAgentStore.builder(dataSource)   // the host's pool
 *         .clock(clock)                                       // the clock the AgentManager uses
 *         .createSchemaIfMissing()                            // or run the shipped scripts with Flyway
 *         .build();
 * ...
 * store.close();                                              // flushes buffered heartbeats
 * }</pre>
 *
 * <h2>Schema</h2>
 * Versioned scripts for each database lie in the jar at {@code db/agentmanager/{h2,postgresql,mariadb}/}
 * ({@code V1__agentmanager_schema.sql}, Flyway naming; {@link JdbcDialect#scriptLocation()}). Table names carry
 * a prefix, written {@code ${agentmanager_prefix}} in the scripts: {@link #createSchemaIfMissing()} (or the
 * builder's option) replaces it with {@link Builder#tablePrefix}; a host that migrates with Flyway sets the
 * placeholder to the same value and keeps agentmanager's history apart from its own:
 * <pre>{@code
 * Flyway.configure().dataSource(dataSource)
 *         .locations(JdbcDialect.POSTGRESQL.scriptLocation())
 *         .placeholders(Map.of("agentmanager_prefix", JdbcAgentStore.DEFAULT_TABLE_PREFIX))
 *         .table("agentmanager_schema_history")
 *         .baselineOnMigrate(true)
 *         .load().migrate();
 * }</pre>
 * Agent and token ids are at most {@value #MAX_ID_LENGTH} characters; a write of a longer one fails with
 * {@link IllegalArgumentException} before it reaches the database (lookups of one simply find nothing).
 *
 * <h2>Heartbeats: coalescing, and the window it leaves across replicas</h2>
 * By default {@link #recordHeartbeat} does not write: it checks the version and the (epoch, sequence) pair
 * against a per-agent cache of what this replica last accepted (read from the database on a miss), keeps
 * the latest liveness per agent in memory, and a background thread writes all buffered agents every
 * {@link Builder#heartbeatFlushInterval} (default {@value #DEFAULT_FLUSH_INTERVAL_MILLIS} ms) in batches
 * (one {@code UPDATE ... FROM unnest(...)} per batch on PostgreSQL, one {@code UPDATE} joined to
 * {@code JSON_TABLE(...)} per batch on MariaDB, JDBC batches on H2). {@link #close()} flushes.
 * Reads through this store merge the buffer in. Durable state (status, capabilities, certificates) is
 * always written through at once. Guarantees:
 * <ul>
 *   <li>Within one replica, sequence checks are exact and reads see every accepted heartbeat.</li>
 *   <li>A crash loses at most the last flush interval of liveness, never a state change.</li>
 *   <li>The stored pair never goes backwards: each flushed row is conditional on the stored (epoch, sequence)
 *       being older and on the stored version being the one this replica knows.</li>
 *   <li>A heartbeat not newer than the flushed pair is refused by every replica that reads the agent's state
 *       from the database, which a replica does on its first heartbeat for the agent, after a flush of the
 *       agent was refused, when the caller expects a newer version than the cache holds, and after
 *       {@link Builder#heartbeatCacheExpiry} without heartbeats.</li>
 * </ul>
 * The window: liveness accepted by replica A reaches the database, and so the other replicas, up to one flush
 * interval (plus the flush's duration) later. Meanwhile (1) replica B may find the agent overdue and expire
 * it, if the beat arrived within that interval of its deadline: keep the flush interval well inside the gap
 * between heartbeat interval and timeout; the agent's next heartbeat reactivates it. (2) A's cache may lag a
 * pair or a version that B has flushed or written: A may then accept a heartbeat that B would refuse; that
 * heartbeat is never written (its flush is refused) and A forgets its cache entry, so A's next heartbeat for
 * the agent reads the stored state and answers {@link HeartbeatWrite#STALE} or
 * {@link HeartbeatWrite#VERSION_CHANGED}. (3) A's buffered beats flushed after B's
 * {@link #extendDeadlines} may lower a deadline that B just extended to their own (recent) deadlines. Hosts
 * that need none of this choose {@link Builder#coalesceHeartbeats coalesceHeartbeats(false)}: one conditional
 * UPDATE per heartbeat, exact across replicas, and roughly a hundred times slower on PostgreSQL.
 *
 * <h2>One clock for deadlines</h2>
 * Replicas' clocks disagree, so liveness instants (last heartbeat, deadline, the monitor's sweep time) are
 * stored on the database's clock: the store measures the offset between the injected {@link Clock} and the
 * database's current time at start (and every {@link Builder#clockSyncInterval}), stores
 * {@code instant + offset} and translates back on reads. Every replica therefore compares deadlines by the
 * database's clock, whatever its own clock says; the remaining error is half a database round trip. Other
 * instants (registration, certificates, token expiry) are stored as given.
 *
 * <h2>Overdue index and PostgreSQL HOT updates</h2>
 * Liveness lives in its own narrow table. Its deadline index is on {@code indexed_deadline}, a lagging copy of
 * the deadline (never later than it) that a flush rewrites only when it is more than half the agent's timeout
 * window behind; most heartbeat updates change no indexed column and stay HOT (heap-only) updates, while
 * {@link #findOverdue} still reads only agents that are overdue or more than half a timeout late.
 *
 * <p>Instants are stored with microsecond precision. Thread-safe.
 */
public final class JdbcAgentStore implements IAgentStore, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(JdbcAgentStore.class.getName());

    /** The default table prefix. */
    public static final String DEFAULT_TABLE_PREFIX = "agentmanager_";
    static final long DEFAULT_FLUSH_INTERVAL_MILLIS = 1_000;
    /** How often buffered heartbeats are written by default. */
    public static final Duration DEFAULT_HEARTBEAT_FLUSH_INTERVAL = Duration.ofMillis(DEFAULT_FLUSH_INTERVAL_MILLIS);
    /** Rows per statement or JDBC batch when flushing heartbeats, by default. */
    public static final int DEFAULT_BATCH_SIZE = 5_000;
    /** How often the offset to the database's clock is measured again, by default. */
    public static final Duration DEFAULT_CLOCK_SYNC_INTERVAL = Duration.ofMinutes(10);
    /** How long a replica keeps an agent's heartbeat state without heartbeats, by default. */
    public static final Duration DEFAULT_HEARTBEAT_CACHE_EXPIRY = Duration.ofMinutes(10);
    /** The largest batch size. */
    public static final int MAX_BATCH_SIZE = 50_000;
    /**
     * The longest agent or token id the store writes, in {@code char}s (so at most as many characters), as core
     * validates them. MariaDB keeps ids in {@code VARCHAR(127)}: see its schema script for why not 128.
     */
    public static final int MAX_ID_LENGTH = 127;

    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9_]{0,23}");
    private static final String MONITOR_NAME = "timeout-monitor";
    private static final int MAX_ATTEMPTS = 5;

    private final DataSource dataSource;
    private final JdbcDialect dialect;
    private final String tablePrefix;
    private final Sql sql;
    private final DatabaseClock dbClock;
    private final boolean coalescing;
    private final int batchSize;
    private final HeartbeatBuffer buffer = new HeartbeatBuffer();
    /** Agents as the heartbeat path last read them, each trusted for {@link #agentCacheNanos}. */
    private final ConcurrentHashMap<String, CachedAgent> agentCache = new ConcurrentHashMap<>();
    private final long agentCacheNanos;
    private final ReentrantLock flushLock = new ReentrantLock();
    private final LongAdder inFlight = new LongAdder();
    private final ScheduledExecutorService scheduler;
    private volatile boolean closed;

    // statements that depend only on the prefix
    private final String flushUpdate;
    private final String flushUpdateJson;
    private final String liveWhere;

    private JdbcAgentStore(Builder b, JdbcDialect dialect) {
        this.dataSource = b.dataSource;
        this.dialect = dialect;
        this.tablePrefix = b.tablePrefix == null ? DEFAULT_TABLE_PREFIX : b.tablePrefix;
        this.sql = new Sql(dialect, tablePrefix);
        this.dbClock = new DatabaseClock(b.clock == null ? Clock.systemUTC() : b.clock,
                b.useDatabaseClock == null || b.useDatabaseClock);
        this.coalescing = b.coalesceHeartbeats == null || b.coalesceHeartbeats;
        this.batchSize = b.batchSize == 0 ? DEFAULT_BATCH_SIZE : b.batchSize;
        this.flushUpdate = dialect == JdbcDialect.POSTGRESQL
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
        this.liveWhere = " WHERE agent_id = ? AND version = ? AND ";

        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "agentmanager-jdbc-store-" + tablePrefix);
            t.setDaemon(true);
            return t;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        this.scheduler = executor;
        long flushMillis = b.heartbeatFlushInterval == null
                ? DEFAULT_FLUSH_INTERVAL_MILLIS : Math.max(1, b.heartbeatFlushInterval.toMillis());
        this.agentCacheNanos = TimeUnit.MILLISECONDS.toNanos(flushMillis);
        if (coalescing) {
            executor.scheduleWithFixedDelay(this::evictCachedAgents, flushMillis * 4, flushMillis * 4,
                    TimeUnit.MILLISECONDS);
            executor.scheduleWithFixedDelay(this::backgroundFlush, flushMillis, flushMillis, TimeUnit.MILLISECONDS);
            long expiryNanos = (b.heartbeatCacheExpiry == null ? DEFAULT_HEARTBEAT_CACHE_EXPIRY
                    : b.heartbeatCacheExpiry).toNanos();
            long evictEvery = Math.max(1, expiryNanos / 4);
            executor.scheduleWithFixedDelay(() -> buffer.evictIdle(expiryNanos), evictEvery, evictEvery,
                    TimeUnit.NANOSECONDS);
        }
        Duration sync = b.clockSyncInterval == null ? DEFAULT_CLOCK_SYNC_INTERVAL : b.clockSyncInterval;
        if (!sync.isZero()) {
            executor.scheduleWithFixedDelay(this::backgroundClockSync, sync.toMillis(), sync.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /** A builder over the host's data source (a connection pool, in production). */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    // ---- store information and maintenance --------------------------------------------------------------

    /** The database dialect in use. */
    public JdbcDialect dialect() {
        return dialect;
    }

    /** The table prefix in use. */
    public String tablePrefix() {
        return tablePrefix;
    }

    /** Database clock minus the injected clock, as last measured (zero when the database clock is off). */
    public Duration databaseClockOffset() {
        return dbClock.offset();
    }

    /** Measures the offset to the database's clock now (it is also measured periodically). */
    public void synchronizeClock() {
        read("synchronize clock", c -> {
            dbClock.synchronize(c, sql);
            return null;
        });
    }

    /**
     * Creates the tables and indexes if any is missing, by running the shipped scripts for this dialect with
     * the prefix applied. Idempotent and safe to call from several replicas at once.
     */
    public void createSchemaIfMissing() {
        read("create schema", c -> {
            createSchemaIfMissing(c);
            return null;
        });
    }

    private void createSchemaIfMissing(Connection c) throws SQLException {
        if (allTablesExist(c)) {
            return;
        }
        try {
            SchemaScripts.apply(c, dialect, tablePrefix);
        } catch (SQLException e) {
            // Another replica may be creating the same tables (PostgreSQL reports a duplicate type then).
            if (!allTablesExist(c)) {
                SchemaScripts.apply(c, dialect, tablePrefix);
            }
        }
    }

    private boolean allTablesExist(Connection c) throws SQLException {
        for (String table : List.of(sql.agents, sql.labels, sql.capabilities, sql.liveness, sql.tokens,
                sql.redemptions, sql.certificates, sql.monitor)) {
            try (Statement s = c.createStatement()) {
                s.executeQuery("SELECT 1 FROM " + table + " WHERE 1 = 0").close();
            } catch (SQLException missing) {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes every buffered heartbeat now (the background flusher does this every flush interval).
     *
     * @return how many agents' liveness was written
     * @throws JdbcStoreException if the database failed; the heartbeats stay buffered for the next flush
     */
    public int flushHeartbeats() {
        flushLock.lock();
        try {
            List<FlushRow> rows = buffer.drain();
            int written = 0;
            for (int from = 0; from < rows.size(); from += batchSize) {
                List<FlushRow> chunk = rows.subList(from, Math.min(rows.size(), from + batchSize));
                Set<String> refused;
                Map<String, @Nullable StoredState> stored;
                try {
                    refused = writeChunk(chunk);
                    stored = loadStates(refused);
                } catch (SQLException e) {
                    buffer.failed(rows.subList(from, rows.size()));
                    throw new JdbcStoreException("flush heartbeats", e);
                }
                refused.forEach(agentCache::remove); // another replica changed these: read them again
                buffer.completed(chunk, stored);
                written += chunk.size() - refused.size();
            }
            return written;
        } finally {
            flushLock.unlock();
        }
    }

    /** How many agents have heartbeats buffered and not yet written. */
    public int bufferedHeartbeats() {
        return buffer.pendingCount();
    }

    /**
     * Stops the flusher and writes what is buffered. Heartbeats recorded after this throw
     * {@link IllegalStateException}; every other operation keeps working. Idempotent.
     *
     * @throws JdbcStoreException if the final flush failed (those heartbeats are lost)
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        scheduler.shutdown();
        try {
            if (!scheduler.awaitTermination(1, TimeUnit.MINUTES)) {
                LOG.log(System.Logger.Level.WARNING, "heartbeat flusher did not stop within a minute");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        while (inFlight.sum() != 0) {
            Thread.onSpinWait();
        }
        if (coalescing) {
            flushHeartbeats();
        }
    }

    private void backgroundFlush() {
        try {
            flushHeartbeats();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "heartbeat flush failed, will retry: " + e.getMessage(), e);
        }
    }

    private void backgroundClockSync() {
        try {
            synchronizeClock();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "clock synchronization failed: " + e.getMessage(), e);
        }
    }

    // ---- registration tokens ---------------------------------------------------------------------------

    @Override
    public void insertToken(RegistrationToken token) {
        requireNonNull(token, "token");
        requireStorableId("token id", token.id());
        requireStorableId("re-enrollment agent id", token.reenrollAgentId());
        for (TokenRedemption r : token.redemptions()) {
            requireStorableId("redemption agent id", r.agentId());
        }
        transaction("insert token", "registration token already exists: " + token.id(), c -> {
            Instant lastRedeemed = null;
            for (TokenRedemption r : token.redemptions()) {
                lastRedeemed = Rows.latest(lastRedeemed, r.redeemedAt());
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.tokens
                    + " (id, secret_hash, description, created_at, expires_at, scope_labels, scope_capabilities,"
                    + " max_uses, uses, failed_attempts, revoked_at, last_redeemed_at, reenroll_agent_id)"
                    + " VALUES (?, ?, ?, ?, ?, " + sql.jsonParameter() + ", " + sql.jsonParameter()
                    + ", ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, token.id());
                ps.setString(2, token.secretHash());
                ps.setString(3, token.description());
                sql.setInstant(ps, 4, token.createdAt());
                sql.setInstant(ps, 5, token.expiresAt());
                ps.setString(6, Json.labels(token.scope().labels()));
                ps.setString(7, Json.names(token.scope().allowedCapabilities()));
                ps.setInt(8, token.maxUses());
                ps.setInt(9, token.uses());
                ps.setInt(10, token.failedAttempts());
                sql.setInstant(ps, 11, token.revokedAt());
                sql.setInstant(ps, 12, lastRedeemed);
                ps.setString(13, token.reenrollAgentId());
                ps.executeUpdate();
            }
            for (TokenRedemption r : token.redemptions()) {
                insertRedemption(c, token.id(), r);
            }
            return null;
        });
    }

    private void insertRedemption(Connection c, String tokenId, TokenRedemption r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.redemptions + " ("
                + Rows.REDEMPTION_COLUMNS + ") VALUES (?, ?, ?, ?, ?)")) {
            Rows.bindRedemption(ps, sql, tokenId, r);
            ps.executeUpdate();
        }
    }

    @Override
    public Optional<RegistrationToken> findToken(String tokenId) {
        requireNonNull(tokenId, "tokenId");
        return read("find token", c -> {
            List<RegistrationToken> tokens = readTokens(c, " WHERE id = ?", List.of(tokenId), 1);
            return tokens.isEmpty() ? Optional.empty() : Optional.of(tokens.get(0));
        });
    }

    @Override
    public List<RegistrationToken> listTokens(@Nullable String afterId, int limit) {
        requirePositive(limit, "limit");
        return read("list tokens", c -> afterId == null
                ? readTokens(c, "", List.of(), limit)
                : readTokens(c, " WHERE id > ?", List.of(afterId), limit));
    }

    private List<RegistrationToken> readTokens(Connection c, String where, List<String> params, int limit)
            throws SQLException {
        List<String> ids = new ArrayList<>();
        Map<String, List<TokenRedemption>> redemptions = new HashMap<>();
        List<RegistrationToken> tokens = new ArrayList<>();
        // Tokens first, then their redemptions in one query per 500 tokens.
        try (PreparedStatement ps = c.prepareStatement("SELECT " + Rows.TOKEN_COLUMNS + " FROM " + sql.tokens + where
                + " ORDER BY id LIMIT ?")) {
            int i = 1;
            for (String p : params) {
                ps.setString(i++, p);
            }
            ps.setInt(i, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    ids.add(id);
                    redemptions.put(id, new ArrayList<>());
                    tokens.add(Rows.token(rs, sql, List.of()));
                }
            }
        }
        if (ids.isEmpty()) {
            return tokens;
        }
        for (int from = 0; from < ids.size(); from += 500) {
            List<String> page = ids.subList(from, Math.min(ids.size(), from + 500));
            try (PreparedStatement ps = c.prepareStatement("SELECT " + Rows.REDEMPTION_COLUMNS + " FROM "
                    + sql.redemptions + " WHERE token_id IN (" + placeholders(page.size()) + ") ORDER BY token_id, id")) {
                for (int i = 0; i < page.size(); i++) {
                    ps.setString(i + 1, page.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        redemptions.get(rs.getString(1)).add(Rows.redemption(rs, sql));
                    }
                }
            }
        }
        List<RegistrationToken> result = new ArrayList<>(tokens.size());
        for (RegistrationToken t : tokens) {
            result.add(new RegistrationToken(t.id(), t.secretHash(), t.description(), t.createdAt(), t.expiresAt(),
                    t.scope(), t.maxUses(), redemptions.get(t.id()), t.failedAttempts(), t.revokedAt(),
                    t.reenrollAgentId()));
        }
        return result;
    }

    @Override
    public boolean revokeToken(String tokenId, Instant revokedAt) {
        requireNonNull(tokenId, "tokenId");
        requireNonNull(revokedAt, "revokedAt");
        return read("revoke token", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.tokens
                    + " SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL AND uses < max_uses")) {
                sql.setInstant(ps, 1, revokedAt);
                ps.setString(2, tokenId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public int recordFailedAttempt(String tokenId) {
        requireNonNull(tokenId, "tokenId");
        return transaction("record failed attempt", null, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.tokens
                    + " SET failed_attempts = failed_attempts + 1 WHERE id = ?")) {
                ps.setString(1, tokenId);
                if (ps.executeUpdate() == 0) {
                    return 0;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT failed_attempts FROM " + sql.tokens
                    + " WHERE id = ?")) {
                ps.setString(1, tokenId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getInt(1) : 0;
                }
            }
        });
    }

    @Override
    public int pruneTokens(Instant cutoff, int limit) {
        requireNonNull(cutoff, "cutoff");
        requirePositive(limit, "limit");
        return transaction("prune tokens", null, c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM " + sql.tokens
                    + " WHERE expires_at < ? OR revoked_at < ? OR (uses >= max_uses AND last_redeemed_at < ?)"
                    + " ORDER BY id LIMIT ?")) {
                sql.setInstant(ps, 1, cutoff);
                sql.setInstant(ps, 2, cutoff);
                sql.setInstant(ps, 3, cutoff);
                ps.setInt(4, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
            }
            int deleted = 0;
            for (int from = 0; from < ids.size(); from += 500) {
                List<String> page = ids.subList(from, Math.min(ids.size(), from + 500));
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + sql.redemptions
                        + " WHERE token_id IN (" + placeholders(page.size()) + ")")) {
                    bindStrings(ps, page);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + sql.tokens
                        + " WHERE id IN (" + placeholders(page.size()) + ")")) {
                    bindStrings(ps, page);
                    deleted += ps.executeUpdate();
                }
            }
            return deleted;
        });
    }

    // ---- registration ----------------------------------------------------------------------------------

    @Override
    public boolean registerAgent(
            String tokenId, TokenRedemption redemption, Instant now, Agent agent, AgentCertificate certificate) {
        requireNonNull(tokenId, "tokenId");
        requireNonNull(redemption, "redemption");
        requireNonNull(now, "now");
        requireNonNull(agent, "agent");
        requireNonNull(certificate, "certificate");
        if (agent.version() != 1) {
            throw new IllegalArgumentException("a new agent has version 1, got " + agent.version());
        }
        requireStorableIds(agent);
        requireStorableId("redemption agent id", redemption.agentId());
        if (!certificate.agentId().equals(agent.id())) {
            throw new IllegalArgumentException("certificate " + certificate.serial() + " belongs to "
                    + certificate.agentId() + ", not " + agent.id());
        }
        return transaction("register agent", "agent id or certificate serial already exists: " + agent.id() + ", "
                + certificate.serial(), c -> {
            if (!consumeToken(c, tokenId, redemption, now)) {
                return false;
            }
            insertAgent(c, agent);
            insertCertificate(c, certificate);
            return true;
        });
    }

    /** The one conditional statement that consumes a use: exactly one of racing registrations wins. */
    private boolean consumeToken(Connection c, String tokenId, TokenRedemption redemption, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.tokens
                + " SET uses = uses + 1, last_redeemed_at = ?"
                + " WHERE id = ? AND uses < max_uses AND revoked_at IS NULL AND expires_at > ?")) {
            sql.setInstant(ps, 1, redemption.redeemedAt());
            ps.setString(2, tokenId);
            sql.setInstant(ps, 3, now);
            if (ps.executeUpdate() == 0) {
                return false;
            }
        }
        insertRedemption(c, tokenId, redemption);
        return true;
    }

    private void insertCertificate(Connection c, AgentCertificate certificate) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.certificates + " ("
                + Rows.CERTIFICATE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            Rows.bindCertificate(ps, sql, certificate);
            ps.executeUpdate();
        }
    }

    @Override
    public Optional<Agent> reenrollAgent(String tokenId, TokenRedemption redemption, Instant now, Agent updated,
            long expectedVersion, AgentCertificate certificate) {
        requireNonNull(tokenId, "tokenId");
        requireNonNull(redemption, "redemption");
        requireNonNull(now, "now");
        requireNonNull(updated, "updated");
        requireNonNull(certificate, "certificate");
        if (!certificate.agentId().equals(updated.id())) {
            throw new IllegalArgumentException("certificate " + certificate.serial() + " belongs to "
                    + certificate.agentId() + ", not " + updated.id());
        }
        requireStorableIds(updated);
        requireStorableId("redemption agent id", redemption.agentId());
        String id = updated.id();
        long newVersion = expectedVersion + 1;
        agentCache.remove(id);
        synchronized (buffer.lock(id)) {
            Optional<Agent> written = transaction("re-enroll agent", "certificate serial already exists: "
                    + certificate.serial(), c -> {
                if (!consumeToken(c, tokenId, redemption, now)) {
                    return Optional.<Agent>empty();
                }
                Optional<Agent> agent = writeDurableIn(c, updated, expectedVersion, newVersion, null);
                if (agent.isEmpty()) {
                    c.rollback(); // the version moved: nothing at all is written, the token stays usable
                    return agent;
                }
                insertCertificate(c, certificate);
                return agent;
            });
            agentCache.remove(id);
            if (written.isPresent()) {
                AgentLiveness stored = written.get().liveness();
                buffer.versionWrittenLocked(id, newVersion, stored.bootEpoch(), stored.sequence());
            }
            return written.map(this::present);
        }
    }

    private void insertAgent(Connection c, Agent agent) throws SQLException {
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
            Sql.setNullableLong(ps, 8, l.clockSkew() == null ? null : l.clockSkew().toNanos());
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
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.labels
                + " (agent_id, label_key, label_value) VALUES (?, ?, ?)")) {
            for (Map.Entry<String, String> e : labels.entrySet()) {
                ps.setString(1, agentId);
                ps.setString(2, e.getKey());
                ps.setString(3, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    // ---- agents ----------------------------------------------------------------------------------------

    @Override
    public Optional<Agent> findAgent(String agentId) {
        requireNonNull(agentId, "agentId");
        return read("find agent", c -> readAgent(c, agentId)).map(this::present);
    }

    /**
     * With coalescing on, answers from a replica-local cache of the agent's durable state that is at most one
     * flush interval old (and dropped whenever this replica writes the agent), so a heartbeat costs no
     * database read. A change made by another replica is seen within that interval; meanwhile
     * {@link #recordHeartbeat}'s version check and the conditional flush catch it, as described in the class
     * documentation. Without coalescing this is {@link #findAgent}.
     */
    @Override
    public Optional<Agent> findAgentForHeartbeat(String agentId) {
        requireNonNull(agentId, "agentId");
        if (!coalescing) {
            return findAgent(agentId);
        }
        long now = System.nanoTime();
        CachedAgent cached = agentCache.get(agentId);
        if (cached != null && now - cached.loadedNanos() < agentCacheNanos) {
            return Optional.of(present(cached.agent()));
        }
        Optional<Agent> stored = read("find agent", c -> readAgent(c, agentId));
        stored.ifPresent(a -> agentCache.put(agentId, new CachedAgent(a, now)));
        return stored.map(this::present);
    }

    private record CachedAgent(Agent agent, long loadedNanos) {}

    private void evictCachedAgents() {
        long now = System.nanoTime();
        agentCache.values().removeIf(c -> now - c.loadedNanos() >= agentCacheNanos);
    }

    private Optional<Agent> readAgent(Connection c, String agentId) throws SQLException {
        List<Agent> agents = queryAgents(c, sql.selectAgents() + " WHERE a.id = ?", List.of(agentId));
        return agents.isEmpty() ? Optional.empty() : Optional.of(agents.get(0));
    }

    private List<Agent> queryAgents(Connection c, String query, List<?> params) throws SQLException {
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

    /** Merges this replica's buffered liveness into a stored agent and moves its instants to the host clock. */
    private Agent present(Agent stored) {
        AgentLiveness l = stored.liveness();
        Pending p = coalescing ? buffer.pending(stored.id()) : null;
        if (p != null && HeartbeatBuffer.isNewer(p.bootEpoch(), p.sequence(), l.bootEpoch(), l.sequence())) {
            l = new AgentLiveness(p.receivedAt(), p.bootEpoch(), p.sequence(), p.deadline(),
                    p.clockSkewNanos() == null ? null : Duration.ofNanos(p.clockSkewNanos()));
        }
        Instant last = l.lastHeartbeatAt();
        return stored.withLiveness(new AgentLiveness(last == null ? null : dbClock.toHost(last), l.bootEpoch(),
                l.sequence(), dbClock.toHost(l.deadline()), l.clockSkew()));
    }

    @Override
    public Optional<Agent> findAgentByThumbprint(String thumbprint) {
        requireNonNull(thumbprint, "thumbprint");
        return read("find agent by thumbprint", c -> {
            List<Agent> found = queryAgents(c, sql.selectAgents() + " WHERE a.cert_thumbprint = ? ORDER BY a.id",
                    List.of(thumbprint));
            if (found.isEmpty()) {
                found = queryAgents(c, sql.selectAgents() + " WHERE a.next_cert_thumbprint = ? ORDER BY a.id",
                        List.of(thumbprint));
            }
            return found.isEmpty() ? Optional.<Agent>empty() : Optional.of(found.get(0));
        }).map(this::present);
    }

    @Override
    public List<Agent> findAgents(AgentQuery query) {
        requireNonNull(query, "query");
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        List<Object> params = new ArrayList<>();
        if (!query.statuses().isEmpty()) {
            where.append(" AND a.status IN (").append(placeholders(query.statuses().size())).append(')');
            query.statuses().stream().map(Enum::name).sorted().forEach(params::add);
        }
        if (query.capabilityName() != null) {
            where.append(" AND EXISTS (SELECT 1 FROM ").append(sql.capabilities)
                    .append(" c WHERE c.agent_id = a.id AND c.capability_name = ?")
                    .append(query.minimumCapabilityVersion() == null ? ")" : " AND c.capability_version IS NOT NULL)");
            params.add(query.capabilityName());
        }
        for (Map.Entry<String, String> label : query.labels().entrySet()) {
            where.append(" AND EXISTS (SELECT 1 FROM ").append(sql.labels)
                    .append(" x WHERE x.agent_id = a.id AND x.label_key = ? AND x.label_value = ?)");
            params.add(label.getKey());
            params.add(label.getValue());
        }
        // The minimum capability version compares by Capability.compareVersions, in Java: page through the
        // SQL matches until the page is full.
        boolean exactInSql = query.minimumCapabilityVersion() == null;
        return read("find agents", c -> {
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
                List<Agent> page = queryAgents(c, sql.selectAgents() + pageWhere + " ORDER BY a.id LIMIT ?",
                        pageParams);
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
        }).stream().map(this::present).toList();
    }

    @Override
    public long countAgents(AgentStatus status) {
        requireNonNull(status, "status");
        return read("count agents", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + sql.agents + " WHERE status = ?")) {
                ps.setString(1, status.name());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public Optional<Agent> updateAgent(Agent updated, long expectedVersion) {
        requireNonNull(updated, "updated");
        return writeDurable("update agent", updated, expectedVersion, null);
    }

    @Override
    public Optional<Agent> expireAgent(Agent inactive, long expectedVersion, Instant now) {
        requireNonNull(inactive, "inactive");
        requireNonNull(now, "now");
        if (inactive.status() != AgentStatus.INACTIVE) {
            throw new IllegalArgumentException("expireAgent writes an INACTIVE agent, got " + inactive.status());
        }
        return writeDurable("expire agent", inactive, expectedVersion, dbClock.toDatabase(now));
    }

    /**
     * Writes durable state if the stored version is {@code expectedVersion} (and, when {@code overdueAt} is
     * given, the stored deadline is before it). Holds the agent's stripe so that this replica's heartbeats
     * and flushes see the write in order.
     */
    private Optional<Agent> writeDurable(String what, Agent agent, long expectedVersion, @Nullable Instant overdueAt) {
        // an over-long agent id matches no row (the update finds nothing); the token id would be written
        requireStorableId("registration token id", agent.registrationTokenId());
        String id = agent.id();
        long newVersion = expectedVersion + 1;
        agentCache.remove(id);
        synchronized (buffer.lock(id)) {
            if (overdueAt != null) {
                Pending p = buffer.pendingLocked(id);
                if (p != null && !p.deadline().isBefore(overdueAt)) {
                    return Optional.empty(); // a buffered heartbeat extended the deadline
                }
            }
            Optional<Agent> written = transaction(what, null,
                    c -> writeDurableIn(c, agent, expectedVersion, newVersion, overdueAt));
            agentCache.remove(id); // a heartbeat may have cached the old state while this wrote
            if (written.isPresent()) {
                AgentLiveness stored = written.get().liveness();
                buffer.versionWrittenLocked(id, newVersion, stored.bootEpoch(), stored.sequence());
            }
            return written.map(this::present);
        }
    }

    /** The conditional durable write inside a transaction; empty (nothing written) if a condition failed. */
    private Optional<Agent> writeDurableIn(Connection c, Agent agent, long expectedVersion, long newVersion,
            @Nullable Instant overdueAt) throws SQLException {
        String id = agent.id();
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.liveness
                + " SET version = ?, monitored = ? WHERE agent_id = ? AND version = ?"
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
        try (PreparedStatement ps = c.prepareStatement("SELECT capabilities, labels FROM " + sql.agents
                + " WHERE id = ?")) {
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
        return readAgent(c, id);
    }

    private void deleteChildren(Connection c, String table, String agentId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE agent_id = ?")) {
            ps.setString(1, agentId);
            ps.executeUpdate();
        }
    }

    // ---- heartbeats ------------------------------------------------------------------------------------

    @Override
    public HeartbeatWrite recordHeartbeat(
            String agentId,
            long expectedVersion,
            long bootEpoch,
            long sequence,
            Instant receivedAt,
            Instant deadline,
            @Nullable Duration clockSkew) {
        requireNonNull(agentId, "agentId");
        requireNonNull(receivedAt, "receivedAt");
        requireNonNull(deadline, "deadline");
        Pending beat = new Pending(bootEpoch, sequence, dbClock.toDatabase(receivedAt), dbClock.toDatabase(deadline),
                clockSkew == null ? null : clockSkew.toNanos());
        inFlight.increment();
        try {
            if (closed) {
                throw new IllegalStateException("store is closed: heartbeats are no longer recorded");
            }
            if (!coalescing) {
                return read("record heartbeat", c -> writeThrough(c, agentId, expectedVersion, beat));
            }
            return buffer.offer(agentId, expectedVersion, beat, this::loadState);
        } catch (SQLException e) {
            throw new JdbcStoreException("record heartbeat", e);
        } finally {
            inFlight.decrement();
        }
    }

    private @Nullable StoredState loadState(String agentId) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            ensureAutoCommit(c);
            return loadState(c, agentId);
        }
    }

    private @Nullable StoredState loadState(Connection c, String agentId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT version, boot_epoch, sequence_no FROM " + sql.liveness
                + " WHERE agent_id = ?")) {
            ps.setString(1, agentId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new StoredState(rs.getLong(1), rs.getLong(2), rs.getLong(3)) : null;
            }
        }
    }

    /** The stored state of each agent (null for one that does not exist); no stripe may be held. */
    private Map<String, @Nullable StoredState> loadStates(Set<String> agentIds) throws SQLException {
        Map<String, @Nullable StoredState> states = new HashMap<>();
        if (agentIds.isEmpty()) {
            return states;
        }
        List<String> ids = new ArrayList<>(agentIds);
        for (String id : ids) {
            states.put(id, null);
        }
        try (Connection c = dataSource.getConnection()) {
            ensureAutoCommit(c);
            for (int from = 0; from < ids.size(); from += 500) {
                List<String> page = ids.subList(from, Math.min(ids.size(), from + 500));
                try (PreparedStatement ps = c.prepareStatement("SELECT agent_id, version, boot_epoch, sequence_no FROM "
                        + sql.liveness + " WHERE agent_id IN (" + placeholders(page.size()) + ")")) {
                    bindStrings(ps, page);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            states.put(rs.getString(1), new StoredState(rs.getLong(2), rs.getLong(3), rs.getLong(4)));
                        }
                    }
                }
            }
        }
        return states;
    }

    /** One conditional UPDATE per heartbeat (two on a new epoch); exact across replicas. */
    private HeartbeatWrite writeThrough(Connection c, String agentId, long expectedVersion, Pending beat)
            throws SQLException {
        String update = "UPDATE " + sql.liveness + " SET"
                + " indexed_deadline = CASE WHEN indexed_deadline > ? OR indexed_deadline < ? THEN ?"
                + " ELSE indexed_deadline END,"
                + " boot_epoch = ?, sequence_no = ?, last_heartbeat_at = ?, deadline = ?, clock_skew_nanos = ?"
                + liveWhere;
        while (true) {
            try (PreparedStatement ps = c.prepareStatement(update + "boot_epoch = ? AND sequence_no < ?")) {
                int i = bindLiveness(ps, 1, beat);
                ps.setString(i++, agentId);
                ps.setLong(i++, expectedVersion);
                ps.setLong(i++, beat.bootEpoch());
                ps.setLong(i, beat.sequence());
                if (ps.executeUpdate() == 1) {
                    return HeartbeatWrite.ACCEPTED;
                }
            }
            try (PreparedStatement ps = c.prepareStatement(update + "boot_epoch < ?")) {
                int i = bindLiveness(ps, 1, beat);
                ps.setString(i++, agentId);
                ps.setLong(i++, expectedVersion);
                ps.setLong(i, beat.bootEpoch());
                if (ps.executeUpdate() == 1) {
                    return HeartbeatWrite.ACCEPTED_NEW_EPOCH;
                }
            }
            StoredState state = loadState(c, agentId);
            if (state == null) {
                return HeartbeatWrite.NOT_FOUND;
            }
            if (state.version() != expectedVersion) {
                return HeartbeatWrite.VERSION_CHANGED;
            }
            if (!HeartbeatBuffer.isNewer(beat.bootEpoch(), beat.sequence(), state.bootEpoch(), state.sequence())) {
                return HeartbeatWrite.STALE;
            }
            // A racing heartbeat moved the stored pair between the two statements (e.g. to this epoch): again.
        }
    }

    /** Binds the eight liveness parameters of the non-PostgreSQL flush and write-through statements. */
    private int bindLiveness(PreparedStatement ps, int first, Pending beat) throws SQLException {
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
    private Set<String> writeChunk(List<FlushRow> chunk) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = dataSource.getConnection()) {
                return inTransaction(c, conn -> switch (dialect) {
                    case POSTGRESQL -> writeChunkUnnest(conn, chunk);
                    case MARIADB -> writeChunkJson(conn, chunk);
                    case H2 -> writeChunkBatch(conn, chunk);
                });
            } catch (SQLException e) {
                if (!Sql.isTransient(e) || attempt >= MAX_ATTEMPTS) {
                    throw e;
                }
            }
        }
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
                    + sql.liveness + " WHERE agent_id IN (" + placeholders(page.size()) + ")")) {
                bindStrings(ps, page);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        FlushRow row = byId.get(rs.getString(1));
                        if (row != null && rs.getLong(2) == row.version()
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
     * statement. A JDBC batch would run one UPDATE per row on the server, about 10,000 rows/s.
     */
    private Set<String> writeChunkJson(Connection c, List<FlushRow> chunk) throws SQLException {
        StringBuilder json = new StringBuilder(chunk.size() * 128).append('[');
        for (FlushRow row : chunk) {
            Pending p = row.pending();
            if (json.length() > 1) {
                json.append(',');
            }
            json.append('[');
            appendJsonString(json, row.agentId());
            json.append(',').append(row.version()).append(',').append(p.bootEpoch()).append(',').append(p.sequence());
            appendJsonDateTime(json.append(','), p.receivedAt());
            appendJsonDateTime(json.append(','), p.deadline());
            json.append(',').append(p.clockSkewNanos() == null ? "null" : p.clockSkewNanos().toString());
            appendJsonDateTime(json.append(','), p.refreshIndexBefore());
            json.append(']');
        }
        json.append(']');
        int updated;
        try (PreparedStatement ps = c.prepareStatement(flushUpdateJson)) {
            ps.setString(1, json.toString());
            updated = ps.executeUpdate();
        }
        // the count is of matched rows (or of changed rows, with useAffectedRows): either way, when it falls
        // short, what the database now holds tells which rows were refused
        return updated == chunk.size() ? Set.of() : refusedRows(c, chunk);
    }

    private static void appendJsonString(StringBuilder json, String value) {
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch == '"' || ch == '\\') {
                json.append('\\').append(ch);
            } else if (ch < 0x20) {
                json.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
            } else {
                json.append(ch);
            }
        }
        json.append('"');
    }

    /** {@code "yyyy-MM-dd HH:mm:ss.ffffff"} in UTC, microseconds: the text MariaDB reads as {@code DATETIME(6)}. */
    private static void appendJsonDateTime(StringBuilder json, Instant instant) {
        LocalDateTime t = LocalDateTime.ofInstant(Sql.truncate(instant), ZoneOffset.UTC);
        json.append('"');
        pad(json, t.getYear(), 4).append('-');
        pad(json, t.getMonthValue(), 2).append('-');
        pad(json, t.getDayOfMonth(), 2).append(' ');
        pad(json, t.getHour(), 2).append(':');
        pad(json, t.getMinute(), 2).append(':');
        pad(json, t.getSecond(), 2).append('.');
        pad(json, t.getNano() / 1_000, 6).append('"');
    }

    private static StringBuilder pad(StringBuilder b, int value, int width) {
        String digits = Integer.toString(value);
        for (int i = digits.length(); i < width; i++) {
            b.append('0');
        }
        return b.append(digits);
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

    // ---- timeout monitor -------------------------------------------------------------------------------

    @Override
    public List<Agent> findOverdue(Instant now, int limit) {
        requireNonNull(now, "now");
        requirePositive(limit, "limit");
        if (coalescing) {
            flushHeartbeats(); // this replica's buffered beats count
        }
        Instant dbNow = dbClock.toDatabase(now);
        List<Agent> stored = read("find overdue agents", c -> queryAgents(c, sql.selectAgents()
                + " WHERE l.monitored = TRUE AND l.indexed_deadline < ? AND l.deadline < ?"
                + " AND a.status IN ('ACTIVE', 'PENDING') LIMIT ?", List.of(dbNow, dbNow, limit)));
        List<Agent> result = new ArrayList<>(stored.size());
        for (Agent a : stored) {
            Agent merged = present(a);
            if (merged.liveness().isOverdueAt(now)) {
                result.add(merged);
            }
        }
        return result;
    }

    @Override
    public int extendDeadlines(Instant deadline) {
        requireNonNull(deadline, "deadline");
        Instant dbDeadline = dbClock.toDatabase(deadline);
        flushLock.lock();
        try {
            if (coalescing) {
                flushHeartbeats();
            }
            return transaction("extend deadlines", null, c -> {
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.liveness
                        + " SET deadline = ?, indexed_deadline = ? WHERE monitored = TRUE AND deadline < ?")) {
                    sql.setInstant(ps, 1, dbDeadline);
                    sql.setInstant(ps, 2, dbDeadline);
                    sql.setInstant(ps, 3, dbDeadline);
                    return ps.executeUpdate();
                }
            });
        } finally {
            flushLock.unlock();
        }
    }

    @Override
    public Optional<Instant> recordSweep(Instant now) {
        requireNonNull(now, "now");
        Instant dbNow = dbClock.toDatabase(now);
        for (int attempt = 1; ; attempt++) {
            try {
                return transaction("record sweep", "monitor state", c -> {
                    Instant previous = null;
                    try (PreparedStatement ps = c.prepareStatement("SELECT last_sweep_at FROM " + sql.monitor
                            + " WHERE name = ? FOR UPDATE")) {
                        ps.setString(1, MONITOR_NAME);
                        try (ResultSet rs = ps.executeQuery()) {
                            if (rs.next()) {
                                previous = sql.getRequiredInstant(rs, 1);
                            }
                        }
                    }
                    if (previous == null) {
                        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.monitor
                                + " (name, last_sweep_at) VALUES (?, ?)")) {
                            ps.setString(1, MONITOR_NAME);
                            sql.setInstant(ps, 2, dbNow);
                            ps.executeUpdate();
                        }
                        return Optional.<Instant>empty();
                    }
                    if (previous.isBefore(dbNow)) {
                        try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.monitor
                                + " SET last_sweep_at = ? WHERE name = ?")) {
                            sql.setInstant(ps, 1, dbNow);
                            ps.setString(2, MONITOR_NAME);
                            ps.executeUpdate();
                        }
                    }
                    return Optional.of(dbClock.toHost(previous));
                });
            } catch (IllegalStateException raceOnFirstInsert) {
                if (attempt >= MAX_ATTEMPTS) {
                    throw raceOnFirstInsert;
                }
            }
        }
    }

    // ---- certificates ----------------------------------------------------------------------------------

    @Override
    public void insertCertificate(AgentCertificate certificate) {
        requireNonNull(certificate, "certificate");
        requireStorableId("agent id", certificate.agentId());
        transaction("insert certificate", "certificate serial already exists: " + certificate.serial(), c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.certificates + " ("
                    + Rows.CERTIFICATE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                Rows.bindCertificate(ps, sql, certificate);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Optional<AgentCertificate> findCertificate(String serial) {
        requireNonNull(serial, "serial");
        List<AgentCertificate> found = read("find certificate", c -> queryCertificates(c, "serial = ?", serial));
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    @Override
    public List<AgentCertificate> findCertificates(String agentId) {
        requireNonNull(agentId, "agentId");
        return read("find certificates", c -> queryCertificates(c, "agent_id = ? ORDER BY record_no", agentId));
    }

    private List<AgentCertificate> queryCertificates(Connection c, String where, String param) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + Rows.CERTIFICATE_COLUMNS + " FROM "
                + sql.certificates + " WHERE " + where)) {
            ps.setString(1, param);
            List<AgentCertificate> result = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(Rows.certificate(rs, sql));
                }
            }
            return result;
        }
    }

    @Override
    public List<String> revokeCertificates(String agentId, Instant revokedAt) {
        requireNonNull(agentId, "agentId");
        requireNonNull(revokedAt, "revokedAt");
        return transaction("revoke certificates", null, c -> {
            List<String> serials = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT serial FROM " + sql.certificates
                    + " WHERE agent_id = ? AND revoked_at IS NULL ORDER BY record_no FOR UPDATE")) {
                ps.setString(1, agentId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        serials.add(rs.getString(1));
                    }
                }
            }
            List<String> revoked = new ArrayList<>();
            for (String serial : serials) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.certificates
                        + " SET revoked_at = ? WHERE serial = ? AND revoked_at IS NULL")) {
                    sql.setInstant(ps, 1, revokedAt);
                    ps.setString(2, serial);
                    if (ps.executeUpdate() == 1) {
                        revoked.add(serial);
                    }
                }
            }
            return List.copyOf(revoked);
        });
    }

    @Override
    public boolean revokeCertificate(String serial, Instant revokedAt) {
        requireNonNull(serial, "serial");
        requireNonNull(revokedAt, "revokedAt");
        return transaction("revoke certificate", null, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.certificates
                    + " SET revoked_at = ? WHERE serial = ? AND revoked_at IS NULL")) {
                sql.setInstant(ps, 1, revokedAt);
                ps.setString(2, serial);
                return ps.executeUpdate() == 1;
            }
        });
    }

    // ---- JDBC plumbing ---------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs work on {@code c} as one transaction: committed if it returns, rolled back if it throws. */
    private static <T> T inTransaction(Connection c, Work<T> work) throws SQLException {
        c.setAutoCommit(false);
        try {
            T result = work.run(c);
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c, e);
            throw e;
        } finally {
            restoreAutoCommit(c);
        }
    }

    /** Runs work in autocommit mode (single statements, reads). */
    private <T> T read(String what, Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = dataSource.getConnection()) {
                ensureAutoCommit(c);
                return work.run(c);
            } catch (SQLException e) {
                if (!Sql.isTransient(e) || attempt >= MAX_ATTEMPTS) {
                    throw new JdbcStoreException(what, e);
                }
            }
        }
    }

    /**
     * Runs work in one transaction, again if the database aborted it for a deadlock or serialization failure.
     * A constraint violation becomes {@link IllegalStateException} with {@code integrityMessage} when given.
     */
    private <T> T transaction(String what, @Nullable String integrityMessage, Work<T> work) {
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

    private static void ensureAutoCommit(Connection c) throws SQLException {
        if (!c.getAutoCommit()) {
            c.setAutoCommit(true);
        }
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private static void restoreAutoCommit(Connection c) {
        try {
            c.setAutoCommit(true);
        } catch (SQLException ignored) {
            // the connection is broken; the pool will discard it
        }
    }

    private static String placeholders(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }

    private static void bindStrings(PreparedStatement ps, List<String> values) throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            ps.setString(i + 1, values.get(i));
        }
    }

    /** Ids longer than the schema's columns fail here, before any statement, rather than as a database error. */
    private static void requireStorableId(String what, @Nullable String id) {
        if (id != null && id.length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException(what + " longer than " + MAX_ID_LENGTH + " characters: "
                    + id.substring(0, 32) + "...");
        }
    }

    private static void requireStorableIds(Agent agent) {
        requireStorableId("agent id", agent.id());
        requireStorableId("registration token id", agent.registrationTokenId());
    }

    private static void requirePositive(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }

    @Override
    public String toString() {
        return "JdbcAgentStore[" + dialect + ", prefix=" + tablePrefix + ", coalescing=" + coalescing + "]";
    }

    // ---- builder ---------------------------------------------------------------------------------------

    /**
     * Builder for {@link JdbcAgentStore}. Every setting is optional and may be set once; {@code null} and
     * out-of-range values are rejected at once.
     */
    public static final class Builder {
        private final DataSource dataSource;
        private @Nullable JdbcDialect dialect;
        private @Nullable String tablePrefix;
        private @Nullable Duration heartbeatFlushInterval;
        private int batchSize;
        private @Nullable Clock clock;
        private @Nullable Boolean coalesceHeartbeats;
        private @Nullable Boolean useDatabaseClock;
        private @Nullable Duration clockSyncInterval;
        private @Nullable Duration heartbeatCacheExpiry;
        private boolean createSchema;

        private Builder(DataSource dataSource) {
            this.dataSource = requireNonNull(dataSource, "dataSource");
        }

        /** The database; detected from the connection's metadata when not set. */
        public Builder dialect(JdbcDialect dialect) {
            requireUnset(this.dialect, "dialect");
            this.dialect = requireNonNull(dialect, "dialect");
            return this;
        }

        /**
         * The prefix of every table, index and constraint name: a lower-case letter, then up to 23 lower-case
         * letters, digits or underscores. Default {@value JdbcAgentStore#DEFAULT_TABLE_PREFIX}.
         */
        public Builder tablePrefix(String tablePrefix) {
            requireUnset(this.tablePrefix, "tablePrefix");
            requireNonNull(tablePrefix, "tablePrefix");
            if (!PREFIX.matcher(tablePrefix).matches()) {
                throw new IllegalArgumentException("tablePrefix must match " + PREFIX.pattern() + ", got '"
                        + tablePrefix + "'");
            }
            this.tablePrefix = tablePrefix;
            return this;
        }

        /**
         * How often buffered heartbeats are written: at least 10 ms, at most 1 minute, default 1 s. Keep it
         * well inside the gap between the agents' heartbeat interval and their timeout.
         */
        public Builder heartbeatFlushInterval(Duration interval) {
            requireUnset(this.heartbeatFlushInterval, "heartbeatFlushInterval");
            requireNonNull(interval, "interval");
            if (interval.compareTo(Duration.ofMillis(10)) < 0 || interval.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("heartbeatFlushInterval must be in [10ms, 1m], got " + interval);
            }
            this.heartbeatFlushInterval = interval;
            return this;
        }

        /** Rows per statement (PostgreSQL, MariaDB) or JDBC batch (H2) when flushing, 1 to {@value #MAX_BATCH_SIZE}. */
        public Builder batchSize(int batchSize) {
            if (this.batchSize != 0) {
                throw new IllegalStateException("batchSize already set");
            }
            if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
                throw new IllegalArgumentException("batchSize must be in [1, " + MAX_BATCH_SIZE + "], got "
                        + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** The clock the host's AgentManager uses; default {@link Clock#systemUTC()}. */
        public Builder clock(Clock clock) {
            requireUnset(this.clock, "clock");
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Whether heartbeats are buffered and written in batches (default true), or written one conditional
         * UPDATE each (exact across replicas, much slower).
         */
        public Builder coalesceHeartbeats(boolean coalesce) {
            requireUnset(this.coalesceHeartbeats, "coalesceHeartbeats");
            this.coalesceHeartbeats = coalesce;
            return this;
        }

        /**
         * Whether liveness instants are stored on the database's clock (default true), so that replicas whose
         * clocks disagree judge deadlines alike. Turn off only for a single replica whose clock is the truth.
         */
        public Builder useDatabaseClock(boolean useDatabaseClock) {
            requireUnset(this.useDatabaseClock, "useDatabaseClock");
            this.useDatabaseClock = useDatabaseClock;
            return this;
        }

        /**
         * How often the offset to the database's clock is measured again (default 10 minutes); zero measures
         * only at start. Every measurement adopts the injected clock's current reading as correct, so a test
         * clock that jumps ahead should use zero.
         */
        public Builder clockSyncInterval(Duration interval) {
            requireUnset(this.clockSyncInterval, "clockSyncInterval");
            requireNonNull(interval, "interval");
            if (interval.isNegative() || (!interval.isZero() && interval.compareTo(Duration.ofSeconds(1)) < 0)) {
                throw new IllegalArgumentException("clockSyncInterval must be zero or at least 1s, got " + interval);
            }
            this.clockSyncInterval = interval;
            return this;
        }

        /**
         * How long this replica keeps an agent's heartbeat state (version, last pair) after its last heartbeat
         * here, default 10 minutes, at least 1 s. Shorter re-reads the stored state sooner after an agent moved
         * to another replica; longer saves reads.
         */
        public Builder heartbeatCacheExpiry(Duration expiry) {
            requireUnset(this.heartbeatCacheExpiry, "heartbeatCacheExpiry");
            requireNonNull(expiry, "expiry");
            if (expiry.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("heartbeatCacheExpiry must be at least 1s, got " + expiry);
            }
            this.heartbeatCacheExpiry = expiry;
            return this;
        }

        /** Creates missing tables at {@link #build()} from the shipped scripts (the embedded default). */
        public Builder createSchemaIfMissing() {
            if (createSchema) {
                throw new IllegalStateException("createSchemaIfMissing already set");
            }
            this.createSchema = true;
            return this;
        }

        /**
         * Connects once to detect the dialect, create the schema if asked and measure the clock offset, and
         * starts the flusher thread.
         *
         * @throws JdbcStoreException if the database cannot be reached
         * @throws IllegalArgumentException if the database is not supported
         */
        public JdbcAgentStore build() {
            try (Connection c = dataSource.getConnection()) {
                ensureAutoCommit(c);
                JdbcDialect d = dialect != null ? dialect : JdbcDialect.detect(c.getMetaData());
                JdbcAgentStore store = new JdbcAgentStore(this, d);
                try {
                    if (createSchema) {
                        store.createSchemaIfMissing(c);
                    }
                    store.dbClock.synchronize(c, store.sql);
                } catch (SQLException | RuntimeException e) {
                    store.scheduler.shutdownNow();
                    throw e;
                }
                return store;
            } catch (SQLException e) {
                throw new JdbcStoreException("open JDBC agent store", e);
            }
        }

        private static void requireUnset(@Nullable Object value, String name) {
            if (value != null) {
                throw new IllegalStateException(name + " already set");
            }
        }
    }
}
