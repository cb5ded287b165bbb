package dev.agentmanager.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.store.jdbc.internal.SchemaScripts;
import dev.agentmanager.testkit.MutableClock;
import dev.agentmanager.testkit.TestAgents;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A database at schema version 1 (before the revocation feed) is brought up to date by {@code createSchemaIfMissing}. */
class SchemaUpgradeTest {
    private static final Instant T0 = MutableClock.DEFAULT_START;

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aVersionOneSchemaGetsTheRevocationFeed(TestDatabase database) throws Exception {
        String prefix = TestDatabase.uniquePrefix();
        try (HikariDataSource pool = database.pool(database.url(), 2)) {
            try (Connection c = pool.getConnection();
                    Statement s = c.createStatement()) {
                for (String statement : SchemaScripts.statements(
                        SchemaScripts.read(database.dialect, SchemaScripts.SCRIPTS.get(0)), prefix)) {
                    s.execute(statement);
                }
            }
            try (JdbcAgentStore store = JdbcAgentStore.builder(pool)
                    .tablePrefix(prefix)
                    .clock(MutableClock.at(T0))
                    .createSchemaIfMissing()
                    .build()) {
                assertThat(store.schemaVersion()).isEqualTo(SchemaScripts.SCRIPTS.size());
                TestAgents.NewAgent agent = TestAgents.newAgent("agent-001", T0);
                store.insertToken(TestAgents.oneTimeToken("tok", T0));
                assertThat(store.registerAgent(
                                "tok", TestAgents.redemption("agent-001", T0), T0, agent.agent(), agent.certificate()))
                        .isTrue();
                long position = store.revocationFeedPosition();

                store.revokeCertificates("agent-001", T0.plusSeconds(5));

                AgentCertificate revoked = agent.certificate().withRevokedAt(T0.plusSeconds(5));
                assertThat(store.revocationsSince(position).revoked()).containsExactly(revoked);
                assertThat(store.findRevokedCertificates(T0)).containsExactly(revoked);
            } finally {
                TestDatabase.drop(pool, prefix);
            }
        }
    }
}
