package dev.agentmanager.store.jdbc;

/** The API fuzzer on H2. */
class H2JdbcFuzzTest extends JdbcFuzzTest {
    @Override
    TestDatabase database() {
        return TestDatabase.H2;
    }
}
