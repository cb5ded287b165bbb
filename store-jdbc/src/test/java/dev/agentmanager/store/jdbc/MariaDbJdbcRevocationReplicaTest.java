package dev.agentmanager.store.jdbc;

class MariaDbJdbcRevocationReplicaTest extends JdbcRevocationReplicaTest {
    @Override
    TestDatabase database() {
        return TestDatabase.MARIADB;
    }
}
