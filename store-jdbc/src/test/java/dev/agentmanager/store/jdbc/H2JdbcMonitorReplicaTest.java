package dev.agentmanager.store.jdbc;

class H2JdbcMonitorReplicaTest extends JdbcMonitorReplicaTest {
    @Override
    TestDatabase database() {
        return TestDatabase.H2;
    }
}
