package dev.agentmanager.store.jdbc;

/** The API fuzzer on MARIADB. */
class MariaDbJdbcFuzzTest extends JdbcFuzzTest {
    @Override
    TestDatabase database() {
        return TestDatabase.MARIADB;
    }
}
