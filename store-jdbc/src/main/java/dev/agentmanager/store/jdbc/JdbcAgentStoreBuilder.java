package dev.agentmanager.store.jdbc;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.store.jdbc.internal.SchemaScripts;
import java.time.Clock;
import java.time.Duration;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Builder for {@link JdbcAgentStore}. Every setting is optional and may be set once; {@code null} and
 * out-of-range values are rejected at once.
 */
public final class JdbcAgentStoreBuilder {
    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9_]{0,23}");

    final DataSource dataSource;

    @Nullable
    JdbcDialect dialect;

    @Nullable
    String tablePrefix;

    @Nullable
    Duration heartbeatFlushInterval;

    int batchSize;

    @Nullable
    Clock clock;

    @Nullable
    Boolean coalesceHeartbeats;

    @Nullable
    Boolean useDatabaseClock;

    @Nullable
    Duration clockSyncInterval;

    @Nullable
    Duration heartbeatCacheExpiry;

    boolean createSchema;

    /** The shipped scripts unless a test adds a version. */
    @Nullable
    SchemaScripts schemaScripts;

    JdbcAgentStoreBuilder(DataSource dataSource) {
        this.dataSource = requireNonNull(dataSource, "dataSource");
    }

    /** The database; detected from the connection's metadata when not set. */
    public JdbcAgentStoreBuilder dialect(JdbcDialect dialect) {
        requireUnset(this.dialect, "dialect");
        this.dialect = requireNonNull(dialect, "dialect");
        return this;
    }

    /**
     * The prefix of every table, index and constraint name: a lower-case letter, then up to 23 lower-case
     * letters, digits or underscores. Default {@value JdbcAgentStore#DEFAULT_TABLE_PREFIX}.
     */
    public JdbcAgentStoreBuilder tablePrefix(String tablePrefix) {
        requireUnset(this.tablePrefix, "tablePrefix");
        requireNonNull(tablePrefix, "tablePrefix");
        if (!PREFIX.matcher(tablePrefix).matches()) {
            throw new IllegalArgumentException(
                    "tablePrefix must match " + PREFIX.pattern() + ", got '" + tablePrefix + "'");
        }
        this.tablePrefix = tablePrefix;
        return this;
    }

    /**
     * How often buffered heartbeats are written: at least 10 ms, at most 1 minute, default 1 s. Keep it
     * well inside the gap between the agents' heartbeat interval and their timeout.
     */
    public JdbcAgentStoreBuilder heartbeatFlushInterval(Duration interval) {
        requireUnset(this.heartbeatFlushInterval, "heartbeatFlushInterval");
        requireNonNull(interval, "interval");
        if (interval.compareTo(Duration.ofMillis(10)) < 0 || interval.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("heartbeatFlushInterval must be in [10ms, 1m], got " + interval);
        }
        this.heartbeatFlushInterval = interval;
        return this;
    }

    /** Rows per statement (PostgreSQL, MariaDB) or JDBC batch (H2) when flushing, 1 to {@value JdbcAgentStore#MAX_BATCH_SIZE}. */
    public JdbcAgentStoreBuilder batchSize(int batchSize) {
        if (this.batchSize != 0) {
            throw new IllegalStateException("batchSize already set");
        }
        if (batchSize < 1 || batchSize > JdbcAgentStore.MAX_BATCH_SIZE) {
            throw new IllegalArgumentException(
                    "batchSize must be in [1, " + JdbcAgentStore.MAX_BATCH_SIZE + "], got " + batchSize);
        }
        this.batchSize = batchSize;
        return this;
    }

    /** The clock the host's AgentManager uses; default {@link Clock#systemUTC()}. */
    public JdbcAgentStoreBuilder clock(Clock clock) {
        requireUnset(this.clock, "clock");
        this.clock = requireNonNull(clock, "clock");
        return this;
    }

    /**
     * Whether heartbeats are buffered and written in batches (default true), or written one conditional
     * UPDATE each (exact across replicas, much slower).
     */
    public JdbcAgentStoreBuilder coalesceHeartbeats(boolean coalesce) {
        requireUnset(this.coalesceHeartbeats, "coalesceHeartbeats");
        this.coalesceHeartbeats = coalesce;
        return this;
    }

    /**
     * Whether liveness instants are stored on the database's clock (default true), so that replicas whose
     * clocks disagree judge deadlines alike. Turn off only for a single replica whose clock is the truth.
     */
    public JdbcAgentStoreBuilder useDatabaseClock(boolean useDatabaseClock) {
        requireUnset(this.useDatabaseClock, "useDatabaseClock");
        this.useDatabaseClock = useDatabaseClock;
        return this;
    }

    /**
     * How often the offset to the database's clock is measured again (default 10 minutes); zero measures
     * only at start. Unless zero, it is also measured again at the first timeout sweep after this replica's
     * clock stepped (moved by more than a second against the monotonic clock: an NTP correction, a resumed VM),
     * so that a step never makes live agents look overdue. Every measurement adopts the injected clock's
     * current reading as correct, so a test clock that jumps ahead should use zero.
     */
    public JdbcAgentStoreBuilder clockSyncInterval(Duration interval) {
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
    public JdbcAgentStoreBuilder heartbeatCacheExpiry(Duration expiry) {
        requireUnset(this.heartbeatCacheExpiry, "heartbeatCacheExpiry");
        requireNonNull(expiry, "expiry");
        if (expiry.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("heartbeatCacheExpiry must be at least 1s, got " + expiry);
        }
        this.heartbeatCacheExpiry = expiry;
        return this;
    }

    /**
     * Creates missing tables at {@link #build()} from the shipped scripts (the embedded default), or runs the scripts
     * above the version the database records, one replica at a time; see {@link JdbcAgentStore#createSchemaIfMissing()}.
     */
    public JdbcAgentStoreBuilder createSchemaIfMissing() {
        if (createSchema) {
            throw new IllegalStateException("createSchemaIfMissing already set");
        }
        this.createSchema = true;
        return this;
    }

    /** Scripts other than the shipped ones: the shipped ones plus a version only tests have. */
    JdbcAgentStoreBuilder schemaScripts(SchemaScripts scripts) {
        this.schemaScripts = requireNonNull(scripts, "scripts");
        return this;
    }

    /**
     * Connects once to detect the dialect, create or upgrade the schema if asked, check the schema version the
     * database records and measure the clock offset, and starts the flusher thread.
     *
     * @throws SchemaVersionException if the schema is missing or older than this store needs (without
     *     {@link #createSchemaIfMissing()}), or was created before versions were recorded
     * @throws JdbcStoreException if the database cannot be reached
     * @throws IllegalArgumentException if the database is not supported
     */
    public JdbcAgentStore build() {
        return JdbcAgentStore.open(this);
    }

    private static void requireUnset(@Nullable Object value, String name) {
        if (value != null) {
            throw new IllegalStateException(name + " already set");
        }
    }
}
