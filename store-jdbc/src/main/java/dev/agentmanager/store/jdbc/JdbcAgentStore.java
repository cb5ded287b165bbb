package dev.agentmanager.store.jdbc;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.TokenRedemption;
import dev.agentmanager.spi.HeartbeatWrite;
import dev.agentmanager.spi.IAgentStore;
import dev.agentmanager.spi.MonitorPause;
import dev.agentmanager.spi.RevocationFeed;
import dev.agentmanager.store.jdbc.internal.DatabaseClock;
import dev.agentmanager.store.jdbc.internal.SchemaMigration;
import dev.agentmanager.store.jdbc.internal.SchemaScripts;
import dev.agentmanager.store.jdbc.internal.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
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
 * ({@code V1__agentmanager_schema.sql}, {@code V2__...}, Flyway naming; {@link JdbcDialect#scriptLocation()}); each
 * records its version in {@code <prefix>schema_version}, and {@link JdbcAgentStoreBuilder#build()} refuses a schema
 * older than this store needs ({@link SchemaVersionException}). Table names carry a prefix, written
 * {@code ${agentmanager_prefix}} in the scripts: {@link #createSchemaIfMissing()} (or the builder's option) replaces it
 * with {@link JdbcAgentStoreBuilder#tablePrefix} and runs the scripts the database lacks; a host that migrates with
 * Flyway sets the placeholder to the same value and keeps agentmanager's history apart from its own, baselined below V1
 * because the database already holds the host's tables (or adds {@link JdbcDialect#repeatableScriptLocation()} to its
 * own migration set; store-jdbc's README has both recipes, tested with Flyway on every database).
 * Agent and token ids are at most {@value #MAX_ID_LENGTH} characters; a write of a longer one fails with
 * {@link IllegalArgumentException} before it reaches the database (lookups of one simply find nothing).
 *
 * <h2>Heartbeats: coalescing, and the window it leaves across replicas</h2>
 * By default {@link #recordHeartbeat} does not write: it checks the version and the (epoch, sequence) pair
 * against a per-agent cache of what this replica last accepted (read from the database on a miss), keeps
 * the latest liveness per agent in memory, and a background thread writes all buffered agents every
 * {@link JdbcAgentStoreBuilder#heartbeatFlushInterval} (default {@value #DEFAULT_FLUSH_INTERVAL_MILLIS} ms) in batches
 * (one {@code UPDATE ... FROM unnest(...)} per batch on PostgreSQL, one {@code UPDATE} joined to
 * {@code JSON_TABLE(...)} per batch on MariaDB, JDBC batches on H2). {@link #close()} flushes.
 * Reads through this store merge the buffer in. Durable state (status, capabilities, certificates) is
 * always written through at once, with this replica's buffered liveness of the agent; so is the first heartbeat
 * of a new boot epoch (a restart, rare), so that every replica stamps claims with the agent's current epoch and
 * no other replica announces the same restart again. Guarantees:
 * <ul>
 *   <li>Within one replica, sequence checks are exact and reads see every accepted heartbeat.</li>
 *   <li>A crash loses at most the last flush interval of liveness, never a state change.</li>
 *   <li>The stored pair never goes backwards: each flushed row is conditional on the stored (epoch, sequence)
 *       being older and on the stored version being the one this replica knows.</li>
 *   <li>A heartbeat not newer than the flushed pair is refused by every replica that reads the agent's state
 *       from the database, which a replica does on its first heartbeat for the agent, after a flush of the
 *       agent was refused, when the caller expects a newer version than the cache holds, and after
 *       {@link JdbcAgentStoreBuilder#heartbeatCacheExpiry} without heartbeats.</li>
 * </ul>
 * The heartbeat reads the agent from a replica-local cache of the agents that beat on it, which a replica keeps
 * true with the agent change feed (every durable write stamps the agent with the database's clock; each replica
 * reads the agents changed since its last read twice per flush interval), so a routine heartbeat costs no
 * database statement, and another replica's change of the agent is seen within one flush interval.
 *
 * <p>The window: liveness accepted by replica A reaches the database, and so the other replicas, up to one flush
 * interval (plus the flush's duration) later. Meanwhile (1) replica B may find the agent overdue and expire
 * it, if the beat arrived within that interval of its deadline: keep the flush interval well inside the gap
 * between heartbeat interval and timeout; the agent's next heartbeat reactivates it. (2) A's cache may lag a
 * pair or a version that B has flushed or written: A may then accept a heartbeat that B would refuse; that
 * heartbeat is never written (its flush is refused) and A forgets its cache entry, so A's next heartbeat for
 * the agent reads the stored state and answers {@link HeartbeatWrite#STALE} or
 * {@link HeartbeatWrite#VERSION_CHANGED}. (3) A's buffered beats flushed after B's
 * {@link #extendDeadlines} may lower a deadline that B just extended to their own (recent) deadlines. Hosts
 * that need none of this choose {@link JdbcAgentStoreBuilder#coalesceHeartbeats coalesceHeartbeats(false)}: one conditional
 * UPDATE per heartbeat, exact across replicas, and far slower (BENCHMARKS.md has the figures).
 *
 * <h2>One clock for deadlines</h2>
 * Replicas' clocks disagree, so liveness instants (last heartbeat, deadline, the monitor's sweep time) are
 * stored on the database's clock: the store measures the offset between the injected {@link Clock} and the
 * database's current time at start (again every {@link JdbcAgentStoreBuilder#clockSyncInterval}, and before the
 * next sweep or heartbeat once the host clock stepped against the monotonic clock), stores
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

    private final Jdbc db;
    private final JdbcDialect dialect;
    private final String tablePrefix;
    private final Sql sql;
    private final SchemaMigration schema;
    private final DatabaseClock dbClock;
    private final TokenRecords tokens;
    private final AgentRecords agents;
    private final CertificateRecords certificates;
    private final HeartbeatPath heartbeats;
    private final MonitorRecords monitor;
    private final Registrations registrations;
    private final JdbcTaskStore taskStore;
    private final StoreMaintenance maintenance;
    private final Duration flushInterval;

    private volatile boolean closed;

    private JdbcAgentStore(JdbcAgentStoreBuilder b, JdbcDialect dialect) {
        this.db = new Jdbc(b.dataSource);
        this.dialect = dialect;
        this.tablePrefix = b.tablePrefix == null ? DEFAULT_TABLE_PREFIX : b.tablePrefix;
        this.sql = new Sql(dialect, tablePrefix);
        this.schema = new SchemaMigration(
                b.dataSource,
                b.schemaScripts != null ? b.schemaScripts : SchemaScripts.shipped(dialect),
                tablePrefix,
                sql);
        this.dbClock = new DatabaseClock(
                b.clock == null ? Clock.systemUTC() : b.clock, b.useDatabaseClock == null || b.useDatabaseClock);
        boolean coalescing = b.coalesceHeartbeats == null || b.coalesceHeartbeats;
        long flushMillis = b.heartbeatFlushInterval == null
                ? DEFAULT_FLUSH_INTERVAL_MILLIS
                : Math.max(1, b.heartbeatFlushInterval.toMillis());
        this.tokens = new TokenRecords(db, sql);
        this.agents = new AgentRecords(db, sql, dbClock);
        this.certificates = new CertificateRecords(db, sql);
        this.heartbeats = new HeartbeatPath(
                db,
                sql,
                dbClock,
                agents,
                coalescing,
                b.batchSize == 0 ? DEFAULT_BATCH_SIZE : b.batchSize,
                Duration.ofMillis(flushMillis),
                b.heartbeatCacheExpiry == null ? DEFAULT_HEARTBEAT_CACHE_EXPIRY : b.heartbeatCacheExpiry);
        Duration sync = b.clockSyncInterval == null ? DEFAULT_CLOCK_SYNC_INTERVAL : b.clockSyncInterval;
        this.monitor = new MonitorRecords(db, sql, dbClock, agents, heartbeats, !sync.isZero());
        this.registrations = new Registrations(db, tokens, agents, certificates, heartbeats);
        this.flushInterval = Duration.ofMillis(flushMillis);
        this.taskStore = new JdbcTaskStore(db, sql);
        this.maintenance = new StoreMaintenance(
                tablePrefix,
                heartbeats,
                flushInterval,
                coalescing,
                b.heartbeatCacheExpiry == null ? DEFAULT_HEARTBEAT_CACHE_EXPIRY : b.heartbeatCacheExpiry,
                sync,
                this::synchronizeClock);
    }

    /** A builder over the host's data source (a connection pool, in production). */
    public static JdbcAgentStoreBuilder builder(DataSource dataSource) {
        return new JdbcAgentStoreBuilder(dataSource);
    }

    /**
     * Connects once to detect the dialect, create or upgrade the schema if asked, check its version and measure the
     * clock offset.
     */
    static JdbcAgentStore open(JdbcAgentStoreBuilder b) {
        try (Connection c = b.dataSource.getConnection()) {
            Jdbc.ensureAutoCommit(c);
            JdbcDialect d = b.dialect != null ? b.dialect : JdbcDialect.detect(c.getMetaData());
            JdbcAgentStore store = new JdbcAgentStore(b, d);
            try {
                if (b.createSchema) {
                    store.schema.upgrade(c);
                }
                store.schema.check(c);
                store.dbClock.synchronize(c, store.sql);
            } catch (SQLException | RuntimeException e) {
                store.maintenance.abandon();
                throw e;
            }
            return store;
        } catch (SQLException e) {
            throw new JdbcStoreException("open JDBC agent store", e);
        }
    }

    // ---- store information and maintenance --------------------------------------------------------------

    /** The database dialect in use. */
    public JdbcDialect dialect() {
        return dialect;
    }

    /**
     * The task role on this store's data source and tables, for {@code AgentManager.builder().taskStore(...)}.
     * Its tables come with schema version 4.
     */
    public JdbcTaskStore taskStore() {
        return taskStore;
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
        db.execute("synchronize clock", c -> {
            dbClock.synchronize(c, sql);
        });
    }

    /**
     * Creates the tables and indexes if they are missing, or upgrades them: runs the shipped scripts above the version
     * the database records, in order, with the prefix applied, and records each. Idempotent and safe to call from
     * several replicas at once (one upgrades, under a lock in the database; the others wait and find it done).
     */
    public void createSchemaIfMissing() {
        db.execute("create schema", schema::upgrade);
    }

    /** The schema version the database records, 0 if none (before {@link #createSchemaIfMissing()}). */
    public int schemaVersion() {
        return db.read("read schema version", c -> {
            SchemaMigration.State state = schema.state(c);
            return state.recorded() ? state.version() : 0;
        });
    }

    /**
     * Writes every buffered heartbeat now (the background flusher does this every flush interval).
     *
     * @return how many agents' liveness was written
     * @throws JdbcStoreException if the database failed; the heartbeats stay buffered for the next flush
     */
    public int flushHeartbeats() {
        return heartbeats.flushHeartbeats();
    }

    /**
     * When the last heartbeat flush (background or {@link #flushHeartbeats()}) ended without error, or when the
     * store was built if none has yet; on the host's clock. With heartbeats buffered, an instant several
     * {@linkplain #heartbeatFlushInterval() flush intervals} old means the flush is failing or lagging.
     */
    public Instant lastHeartbeatFlush() {
        return heartbeats.lastFlush();
    }

    /** How often buffered heartbeats are written. */
    public Duration heartbeatFlushInterval() {
        return flushInterval;
    }

    /** How many agents have heartbeats buffered and not yet written. */
    public int bufferedHeartbeats() {
        return heartbeats.bufferedHeartbeats();
    }

    /** Reads the agent change feed now (the background thread does so twice per flush interval); for tests. */
    void readAgentChanges() {
        heartbeats.readAgentChanges();
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
        heartbeats.close(); // refuses heartbeats from now on
        maintenance.stop();
        heartbeats.flushIfCoalescing();
    }

    // ---- registration tokens ---------------------------------------------------------------------------

    @Override
    public void insertToken(RegistrationToken token) {
        tokens.insert(token);
    }

    @Override
    public Optional<RegistrationToken> findToken(String tokenId) {
        return tokens.find(tokenId);
    }

    @Override
    public Optional<RegistrationToken> findTokenForRedemption(String tokenId, String publicKeySha256) {
        return tokens.findForRedemption(tokenId, publicKeySha256);
    }

    @Override
    public List<RegistrationToken> listTokens(@Nullable String afterId, int limit) {
        return tokens.list(afterId, limit);
    }

    @Override
    public boolean revokeToken(String tokenId, Instant revokedAt) {
        return tokens.revoke(tokenId, revokedAt);
    }

    @Override
    public int recordFailedAttempt(String tokenId) {
        return tokens.recordFailedAttempt(tokenId);
    }

    @Override
    public int pruneTokens(Instant cutoff, int limit) {
        return tokens.prune(cutoff, limit);
    }

    // ---- registration ----------------------------------------------------------------------------------

    @Override
    public boolean registerAgent(
            String tokenId, TokenRedemption redemption, Instant now, Agent agent, AgentCertificate certificate) {
        return registrations.register(tokenId, redemption, now, agent, certificate);
    }

    @Override
    public Optional<Agent> reenrollAgent(
            String tokenId,
            TokenRedemption redemption,
            Instant now,
            Agent updated,
            long expectedVersion,
            AgentCertificate certificate) {
        return registrations.reenroll(tokenId, redemption, now, updated, expectedVersion, certificate);
    }

    // ---- agents ----------------------------------------------------------------------------------------

    @Override
    public Optional<Agent> findAgent(String agentId) {
        requireNonNull(agentId, "agentId");
        return db.read("find agent", c -> agents.read(c, agentId)).map(heartbeats::present);
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
        return heartbeats.findAgentForHeartbeat(agentId);
    }

    @Override
    public Optional<Agent> findAgentByThumbprint(String thumbprint) {
        return agents.findByThumbprint(thumbprint).map(heartbeats::present);
    }

    @Override
    public List<Agent> findAgents(AgentQuery query) {
        return agents.find(query).stream().map(heartbeats::present).toList();
    }

    @Override
    public long countAgents(AgentStatus status) {
        return agents.count(status);
    }

    @Override
    public Optional<Agent> updateAgent(Agent updated, long expectedVersion) {
        requireNonNull(updated, "updated");
        return writeDurable("update agent", updated, expectedVersion, null);
    }

    /**
     * Writes durable state if the stored version is {@code expectedVersion} (and, when {@code overdueAt} is
     * given, the stored deadline is before it), in order with this replica's heartbeats.
     */
    private Optional<Agent> writeDurable(String what, Agent agent, long expectedVersion, @Nullable Instant overdueAt) {
        // an over-long agent id matches no row (the update finds nothing); the token id would be written
        Jdbc.requireStorableId("registration token id", agent.registrationTokenId());
        long newVersion = expectedVersion + 1;
        return heartbeats.writingDurable(
                what,
                null,
                agent.id(),
                newVersion,
                overdueAt,
                c -> agents.writeDurable(c, agent, expectedVersion, newVersion, overdueAt));
    }

    // ---- liveness --------------------------------------------------------------------------------------

    @Override
    public HeartbeatWrite recordHeartbeat(
            String agentId,
            long expectedVersion,
            long bootEpoch,
            long sequence,
            Instant receivedAt,
            Instant deadline,
            @Nullable Duration clockSkew) {
        monitor.measureAgainIfStepped(); // a deadline on a stepped clock would otherwise be stored shifted
        return heartbeats.recordHeartbeat(
                agentId, expectedVersion, bootEpoch, sequence, receivedAt, deadline, clockSkew);
    }

    @Override
    public List<Agent> findOverdue(Instant now, int limit) {
        return monitor.findOverdue(now, limit);
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

    @Override
    public int extendDeadlines(Instant deadline) {
        return monitor.extendDeadlines(deadline);
    }

    @Override
    public Optional<Instant> recordSweep(Instant now) {
        return monitor.recordSweep(now);
    }

    @Override
    public boolean tryLockSweep(String owner, Instant now, Duration lease) {
        return monitor.tryLockSweep(owner, now, lease);
    }

    @Override
    public void unlockSweep(String owner, Instant now) {
        monitor.unlockSweep(owner, now);
    }

    @Override
    public void recordPause(MonitorPause pause) {
        monitor.recordPause(pause);
    }

    @Override
    public Optional<MonitorPause> findPause(Instant now) {
        return monitor.findPause(now);
    }

    @Override
    public long countExpiredSince(Instant since) {
        return monitor.countExpiredSince(since);
    }

    // ---- certificates ----------------------------------------------------------------------------------

    @Override
    public void insertCertificate(AgentCertificate certificate) {
        certificates.insert(certificate);
    }

    @Override
    public Optional<AgentCertificate> findCertificate(String serial) {
        return certificates.find(serial);
    }

    @Override
    public Optional<AgentCertificate> findCertificateByThumbprint(String thumbprint) {
        return certificates.findByThumbprint(thumbprint);
    }

    @Override
    public List<AgentCertificate> findRevokedCertificates(Instant expiringAfter) {
        return certificates.revokedExpiringAfter(expiringAfter);
    }

    @Override
    public long revocationFeedPosition() {
        return certificates.feedPosition();
    }

    @Override
    public RevocationFeed revocationsSince(long position) {
        return certificates.revocationsSince(position);
    }

    /** True: replicas share the database. */
    @Override
    public boolean isShared() {
        return true;
    }

    @Override
    public List<AgentCertificate> findCertificates(String agentId) {
        return certificates.ofAgent(agentId);
    }

    @Override
    public List<String> revokeCertificates(String agentId, Instant revokedAt) {
        return certificates.revokeAll(agentId, revokedAt);
    }

    @Override
    public boolean revokeCertificate(String serial, Instant revokedAt) {
        return certificates.revoke(serial, revokedAt);
    }

    @Override
    public String toString() {
        return "JdbcAgentStore[" + dialect + ", prefix=" + tablePrefix + ", coalescing=" + heartbeats.coalescing()
                + "]";
    }
}
