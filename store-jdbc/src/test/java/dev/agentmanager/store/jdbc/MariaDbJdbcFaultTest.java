package dev.agentmanager.store.jdbc;

class MariaDbJdbcFaultTest extends JdbcFaultTest {
    @Override
    TestDatabase database() {
        return TestDatabase.MARIADB;
    }
}
