package dev.agentmanager.store.jdbc;

class PostgreSqlJdbcRevocationReplicaTest extends JdbcRevocationReplicaTest {
    @Override
    TestDatabase database() {
        return TestDatabase.POSTGRESQL;
    }
}
