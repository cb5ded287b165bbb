package dev.agentmanager.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.CertificateStatus;
import dev.agentmanager.store.jdbc.JdbcDialect;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the PostgreSQL example against the real database in {@code AGENTMANAGER_TEST_POSTGRESQL_URL}; skipped
 * without it, unless {@code AGENTMANAGER_TEST_REQUIRE_DATABASES=true} (CI), where it fails. Uses its own table
 * prefix and drops its tables afterwards.
 */
class PostgresWithHikariTest {

    private static String url() {
        String url = System.getenv("AGENTMANAGER_TEST_POSTGRESQL_URL");
        if (url == null || url.isBlank()) {
            if ("true".equalsIgnoreCase(System.getenv("AGENTMANAGER_TEST_REQUIRE_DATABASES"))) {
                fail("AGENTMANAGER_TEST_POSTGRESQL_URL is not set but AGENTMANAGER_TEST_REQUIRE_DATABASES=true");
            }
            Assumptions.abort("AGENTMANAGER_TEST_POSTGRESQL_URL is not set: skipping the PostgreSQL example");
        }
        return url;
    }

    @Test
    void two_replicas_on_one_database_see_the_same_fleet(@TempDir Path ca) throws Exception {
        String url = url();
        String prefix = String.format("ex%010x_", ThreadLocalRandom.current().nextLong(1L << 40));
        try (PostgresWithHikari.Orchestrator first = PostgresWithHikari.open(url, prefix, ca)) {
            assertThat(first.store().dialect()).isEqualTo(JdbcDialect.POSTGRESQL);
            String id = PostgresWithHikari.registerOneAgent(first.manager(), "pg-01");
            first.store().flushHeartbeats();

            try (PostgresWithHikari.Orchestrator second = PostgresWithHikari.open(url, prefix, ca)) {
                Agent seen = second.manager().findAgent(id).orElseThrow();
                assertThat(seen.status()).isEqualTo(AgentStatus.ACTIVE);
                assertThat(seen.name()).isEqualTo("pg-01");
                assertThat(seen.liveness().lastHeartbeatAt()).isNotNull();
                assertThat(second.manager().trustBundle())
                        .isEqualTo(first.manager().trustBundle());
                String thumbprint = seen.certificate().thumbprint();
                assertThat(first.manager().certificateValidity().check(thumbprint))
                        .isEqualTo(CertificateStatus.CURRENT);

                second.manager().revoke(id);

                assertThat(first.manager().certificateValidity().check(thumbprint))
                        .as("revoked on the other replica: refused here once revoke has returned")
                        .isEqualTo(CertificateStatus.REVOKED);
            }
        } finally {
            dropTables(url, prefix);
        }
    }

    private static void dropTables(String url, String prefix) throws Exception {
        try (Connection c = java.sql.DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT table_name FROM information_schema.tables"
                    + " WHERE table_schema = current_schema() AND table_name LIKE '" + prefix + "%'")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String table : tables) {
                s.execute("DROP TABLE IF EXISTS " + table + " CASCADE");
            }
        }
    }
}
