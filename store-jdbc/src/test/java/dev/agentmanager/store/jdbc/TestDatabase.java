package dev.agentmanager.store.jdbc;

import static org.junit.jupiter.api.Assertions.fail;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Assumptions;

/**
 * The databases the tests run on. H2 runs in memory, always. PostgreSQL and MariaDB run when their JDBC URL
 * is in the environment ({@value #POSTGRESQL_URL}, {@value #MARIADB_URL}); without it their tests are
 * skipped, unless {@value #REQUIRE_DATABASES}{@code =true} (CI), where a missing URL fails. A URL that is
 * given but does not connect always fails.
 *
 * <p>Every test class takes its own random table prefix and drops its tables afterwards, so that runs on
 * one database in parallel do not collide.
 */
enum TestDatabase {
    H2(JdbcDialect.H2, null),
    POSTGRESQL(JdbcDialect.POSTGRESQL, "AGENTMANAGER_TEST_POSTGRESQL_URL"),
    MARIADB(JdbcDialect.MARIADB, "AGENTMANAGER_TEST_MARIADB_URL");

    static final String POSTGRESQL_URL = "AGENTMANAGER_TEST_POSTGRESQL_URL";
    static final String MARIADB_URL = "AGENTMANAGER_TEST_MARIADB_URL";
    static final String REQUIRE_DATABASES = "AGENTMANAGER_TEST_REQUIRE_DATABASES";

    private static final AtomicInteger H2_DATABASES = new AtomicInteger();

    final JdbcDialect dialect;
    private final String urlVariable;

    TestDatabase(JdbcDialect dialect, String urlVariable) {
        this.dialect = dialect;
        this.urlVariable = urlVariable;
    }

    /**
     * The JDBC URL, or aborts the calling test (class) when the database is not configured and not required.
     * For H2 a new in-memory database per call.
     */
    String url() {
        if (this == H2) {
            return "jdbc:h2:mem:agentmanager" + H2_DATABASES.incrementAndGet()
                    + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000";
        }
        String url = System.getenv(urlVariable);
        if (url == null || url.isBlank()) {
            if ("true".equalsIgnoreCase(System.getenv(REQUIRE_DATABASES))) {
                fail(urlVariable + " is not set but " + REQUIRE_DATABASES + "=true: " + this + " tests must run");
            }
            Assumptions.abort(urlVariable + " is not set: skipping " + this + " tests");
        }
        return url;
    }

    /** A connection pool, checked to connect. */
    HikariDataSource pool(String url, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(30_000);
        config.setPoolName("test-" + name().toLowerCase(Locale.ROOT) + "-"
                + ThreadLocalRandom.current().nextInt(1000));
        try {
            HikariDataSource pool = new HikariDataSource(config);
            try (Connection c = pool.getConnection()) {
                c.isValid(5);
            }
            return pool;
        } catch (RuntimeException | SQLException e) {
            return fail(this + " at " + redact(url) + " is configured but unreachable: " + e, e);
        }
    }

    /** A random table prefix of 16 characters. */
    static String uniquePrefix() {
        return String.format("t%012x_am_", ThreadLocalRandom.current().nextLong(1L << 48));
    }

    static final List<String> TABLES = List.of(
            "agent_labels",
            "agent_capabilities",
            "agent_liveness",
            "certificates",
            "token_redemptions",
            "monitor_state",
            "sweep_lock",
            "tasks",
            "task_attempts",
            "task_logs",
            "task_claimers",
            "task_groups",
            "agents",
            "registration_tokens",
            "schema_version",
            "schema_lock");

    /** Deletes every row of the store's tables (the schema's version record stays). */
    static void clear(DataSource dataSource, String prefix) {
        run(
                dataSource,
                TABLES.stream()
                        .filter(t -> !t.startsWith("schema_"))
                        .map(t -> "DELETE FROM " + prefix + t)
                        .toList());
    }

    /** Drops the store's tables. */
    static void drop(DataSource dataSource, String prefix) {
        run(
                dataSource,
                TABLES.stream().map(t -> "DROP TABLE IF EXISTS " + prefix + t).toList());
    }

    /** Drops tables by their full names. */
    static void dropTables(DataSource dataSource, String... tables) {
        run(
                dataSource,
                Arrays.stream(tables).map(t -> "DROP TABLE IF EXISTS " + t).toList());
    }

    private static void run(DataSource dataSource, List<String> statements) {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String redact(String url) {
        return url.replaceAll("password=[^&;]*", "password=***");
    }
}
