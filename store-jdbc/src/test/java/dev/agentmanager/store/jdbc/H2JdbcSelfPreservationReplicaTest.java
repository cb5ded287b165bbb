package dev.agentmanager.store.jdbc;

class H2JdbcSelfPreservationReplicaTest extends JdbcSelfPreservationReplicaTest {
    @Override
    TestDatabase database() {
        return TestDatabase.H2;
    }
}
