package dev.agentmanager.store.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The task store contract on H2, the races also across two stores with separate pools. */
class H2JdbcTaskStoreTest extends JdbcTaskStoreTest {
    private static StoreFixture fixture;
    private static HikariDataSource replicaPool;

    @BeforeAll
    static void openDatabase() {
        fixture = new StoreFixture(TestDatabase.H2);
        replicaPool = fixture.newPool();
    }

    @AfterAll
    static void dropTables() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Override
    StoreFixture fixture() {
        return fixture;
    }

    @Override
    HikariDataSource replicaPool() {
        return replicaPool;
    }
}
