package dev.agentmanager.store.jdbc;

/** Two replicas on POSTGRESQL. */
class PostgreSqlJdbcReplicaTest extends JdbcReplicaTest {
    @Override
    TestDatabase database() {
        return TestDatabase.POSTGRESQL;
    }
}
