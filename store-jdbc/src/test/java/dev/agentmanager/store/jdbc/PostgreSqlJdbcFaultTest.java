package dev.agentmanager.store.jdbc;

class PostgreSqlJdbcFaultTest extends JdbcFaultTest {
    @Override
    TestDatabase database() {
        return TestDatabase.POSTGRESQL;
    }
}
