package dev.agentmanager.store.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One test class's tables on one database: a random prefix, the schema created once, rows cleared for every
 * new store, tables dropped at the end. Opens a pool per simulated replica.
 */
final class StoreFixture implements AutoCloseable {
    final TestDatabase database;
    final String url;
    final String prefix = TestDatabase.uniquePrefix();
    private final List<HikariDataSource> pools = new ArrayList<>();
    private final List<JdbcAgentStore> stores = new ArrayList<>();
    final HikariDataSource pool;

    StoreFixture(TestDatabase database) {
        this.database = database;
        this.url = database.url();
        this.pool = newPool();
        try (JdbcAgentStore store = JdbcAgentStore.builder(pool)
                .tablePrefix(prefix)
                .createSchemaIfMissing()
                .build()) {
            // schema created
        }
    }

    /** Another pool on the same database, as another replica would have. */
    HikariDataSource newPool() {
        HikariDataSource p = database.pool(url, 8);
        pools.add(p);
        return p;
    }

    /** Deletes all rows. */
    void clear() {
        TestDatabase.clear(pool, prefix);
    }

    /** A store on the given pool with the fixture's prefix, closed with the fixture. */
    JdbcAgentStore store(HikariDataSource on, Clock clock, UnaryOperator<JdbcAgentStoreBuilder> options) {
        JdbcAgentStore store = options.apply(JdbcAgentStore.builder(on)
                        .tablePrefix(prefix)
                        .clock(clock)
                        .clockSyncInterval(Duration.ZERO))
                .build();
        stores.add(store);
        return store;
    }

    /** A store that measures the database clock offset again as in production (every 10 minutes, and on steps). */
    JdbcAgentStore storeWithClockSync(HikariDataSource on, Clock clock) {
        JdbcAgentStore store = JdbcAgentStore.builder(on)
                .tablePrefix(prefix)
                .clock(clock)
                .heartbeatFlushInterval(Duration.ofMinutes(1))
                .build();
        stores.add(store);
        return store;
    }

    JdbcAgentStore store(Clock clock) {
        return store(pool, clock, b -> b);
    }

    @Override
    public void close() {
        for (JdbcAgentStore s : stores) {
            s.close();
        }
        try {
            TestDatabase.drop(pool, prefix);
        } finally {
            for (HikariDataSource p : pools) {
                p.close();
            }
        }
    }
}
