package dev.agentmanager.store.jdbc;

class PostgreSqlJdbcSelfPreservationReplicaTest extends JdbcSelfPreservationReplicaTest {
    @Override
    TestDatabase database() {
        return TestDatabase.POSTGRESQL;
    }
}
