package dev.agentmanager.store.jdbc;

class MariaDbJdbcMonitorReplicaTest extends JdbcMonitorReplicaTest {
    @Override
    TestDatabase database() {
        return TestDatabase.MARIADB;
    }
}
