package dev.agentmanager.store.jdbc;

import dev.agentmanager.spi.IAgentStore;
import dev.agentmanager.testkit.AgentStoreContractTest;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract on H2 with heartbeats written through, one conditional UPDATE each. */
class H2WriteThroughJdbcAgentStoreContractTest extends AgentStoreContractTest {
    private static StoreFixture fixture;

    @BeforeAll
    static void openDatabase() {
        fixture = new StoreFixture(TestDatabase.H2);
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
        return fixture.store(fixture.pool, clock, b -> b.coalesceHeartbeats(false));
    }

    @Override
    protected void disposeStore(IAgentStore store) {
        ((JdbcAgentStore) store).close();
    }
}
