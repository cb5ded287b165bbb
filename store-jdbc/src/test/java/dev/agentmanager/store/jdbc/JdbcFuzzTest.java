package dev.agentmanager.store.jdbc;

import dev.agentmanager.spi.IAgentStore;
import dev.agentmanager.testkit.AgentManagerFuzzTest;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** The API fuzzer over the JDBC store on one database. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JdbcFuzzTest extends AgentManagerFuzzTest {
    private StoreFixture fixture;

    abstract TestDatabase database();

    @BeforeAll
    void openDatabase() {
        fixture = new StoreFixture(database());
    }

    @AfterAll
    void dropTables() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Override
    protected IAgentStore createStore(Clock clock) {
        fixture.clear();
        return fixture.store(fixture.pool, clock, b -> b.heartbeatFlushInterval(Duration.ofMinutes(1)));
    }

    @Override
    protected void settle(IAgentStore store) {
        ((JdbcAgentStore) store).flushHeartbeats(); // the background flusher would run at any moment
    }

    @Override
    protected void disposeStore(IAgentStore store) {
        ((JdbcAgentStore) store).close();
    }
}
