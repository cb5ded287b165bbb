package dev.agentmanager.store.jdbc;

class PostgreSqlJdbcMonitorReplicaTest extends JdbcMonitorReplicaTest {
    @Override
    TestDatabase database() {
        return TestDatabase.POSTGRESQL;
    }
}
