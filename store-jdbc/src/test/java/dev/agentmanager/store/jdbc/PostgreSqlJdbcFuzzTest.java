package dev.agentmanager.store.jdbc;

/** The API fuzzer on POSTGRESQL. */
class PostgreSqlJdbcFuzzTest extends JdbcFuzzTest {
    @Override
    TestDatabase database() {
        return TestDatabase.POSTGRESQL;
    }
}
