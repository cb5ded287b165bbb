package dev.agentmanager.store.jdbc;

class MariaDbJdbcSelfPreservationReplicaTest extends JdbcSelfPreservationReplicaTest {
    @Override
    TestDatabase database() {
        return TestDatabase.MARIADB;
    }
}
