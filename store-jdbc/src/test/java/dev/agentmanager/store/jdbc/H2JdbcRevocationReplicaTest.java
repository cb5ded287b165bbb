package dev.agentmanager.store.jdbc;

class H2JdbcRevocationReplicaTest extends JdbcRevocationReplicaTest {
    @Override
    TestDatabase database() {
        return TestDatabase.H2;
    }
}
