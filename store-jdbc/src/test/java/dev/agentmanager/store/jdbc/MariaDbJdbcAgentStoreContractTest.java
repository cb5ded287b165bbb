package dev.agentmanager.store.jdbc;

import dev.agentmanager.spi.IAgentStore;
import dev.agentmanager.testkit.AgentStoreContractTest;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract on MARIADB with the coalescing heartbeat writer. */
class MariaDbJdbcAgentStoreContractTest extends AgentStoreContractTest {
    private static StoreFixture fixture;

    @BeforeAll
    static void openDatabase() {
        fixture = new StoreFixture(TestDatabase.MARIADB);
    }

    @AfterAll
    static void dropTables() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Override
    protected IAgentStore createStore(Clock clock) {
        fixture.clear();
        return fixture.store(clock);
    }

    @Override
    protected void disposeStore(IAgentStore store) {
        ((JdbcAgentStore) store).close();
    }
}
