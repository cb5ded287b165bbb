package dev.agentmanager.store.jdbc;

/** Two replicas on H2. */
class H2JdbcReplicaTest extends JdbcReplicaTest {
    @Override
    TestDatabase database() {
        return TestDatabase.H2;
    }
}
