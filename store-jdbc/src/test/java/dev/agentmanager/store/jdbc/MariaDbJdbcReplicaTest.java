package dev.agentmanager.store.jdbc;

/** Two replicas on MARIADB. */
class MariaDbJdbcReplicaTest extends JdbcReplicaTest {
    @Override
    TestDatabase database() {
        return TestDatabase.MARIADB;
    }
}
