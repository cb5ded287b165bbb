package dev.agentmanager.store.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.spi.TaskStore;
import dev.agentmanager.testkit.TaskStoreContract;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The task store contract on one database: each test gets a {@link JdbcAgentStore} on the fixture's pool, and the
 * replica races a second store with a pool of its own on the same tables.
 */
abstract class JdbcTaskStoreTest extends TaskStoreContract {
    private final List<JdbcAgentStore> open = new ArrayList<>();

    /** The class's tables. */
    abstract StoreFixture fixture();

    /** A second pool on the same database, as another replica has. */
    abstract HikariDataSource replicaPool();

    @Override
    protected TaskStore createTaskStore(Clock clock) {
        fixture().clear();
        return open(fixture().pool, clock).taskStore();
    }

    @Override
    protected TaskStore secondTaskStore(TaskStore first) {
        return open(replicaPool(), Clock.systemUTC()).taskStore();
    }

    @Override
    protected void disposeTaskStore(TaskStore store) {
        open.forEach(JdbcAgentStore::close);
        open.clear();
    }

    private JdbcAgentStore open(HikariDataSource pool, Clock clock) {
        JdbcAgentStore store = JdbcAgentStore.builder(pool)
                .tablePrefix(fixture().prefix)
                .clock(clock)
                .clockSyncInterval(Duration.ZERO)
                .build();
        open.add(store);
        return store;
    }
}
