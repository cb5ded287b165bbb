package dev.agentmanager.store.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The task store contract on POSTGRESQL, the races also across two stores with separate pools. */
class PostgreSqlJdbcTaskStoreTest extends JdbcTaskStoreTest {
    private static StoreFixture fixture;
    private static HikariDataSource replicaPool;

    @BeforeAll
    static void openDatabase() {
        fixture = new StoreFixture(TestDatabase.POSTGRESQL);
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
