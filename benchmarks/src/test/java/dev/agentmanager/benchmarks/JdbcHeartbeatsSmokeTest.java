package dev.agentmanager.benchmarks;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link JdbcHeartbeats} end to end at a tiny size (200 agents, 2 drivers, 1 s runs): it seeds the fleet with plain
 * JDBC against the store's current schema, runs the bulk ceiling, the naive, coalescing and paced writers, prints
 * its {@code RESULT} lines and drops its tables. The figures are checked for presence and consistency, never
 * against a speed.
 *
 * <p>H2 (a file database in a temporary directory) always runs. PostgreSQL and MariaDB run when their JDBC URL is
 * in the environment ({@code AGENTMANAGER_TEST_POSTGRESQL_URL}, {@code AGENTMANAGER_TEST_MARIADB_URL}), as in
 * store-jdbc's tests: without it they are skipped, unless {@code AGENTMANAGER_TEST_REQUIRE_DATABASES=true} (CI),
 * where they fail; a URL that is given but does not connect always fails.
 */
class JdbcHeartbeatsSmokeTest {
    private static final String REQUIRE_DATABASES = "AGENTMANAGER_TEST_REQUIRE_DATABASES";
    private static final int AGENTS = 200;
    private static final int THREADS = 2;
    /** Every figure a database's run prints, as {@code BenchmarkSuite}'s JDBC rows read them. */
    private static final List<String> FIGURES = List.of(
            "bulk",
            "naive",
            "coalescing",
            "coalescing.rows",
            "coalescing.flushrows",
            "coalescing.flushms",
            "coalescing.capacity",
            "paced",
            "paced.offered",
            "paced.rows",
            "paced.flushrows",
            "paced.flushms",
            "paced.capacity");

    @BeforeAll
    static void quiet() {
        Fleet.quietLogging();
    }

    @Test
    void h2_file_database(@TempDir Path dir) throws Exception {
        runAndCheck("h2", JdbcHeartbeats.h2Url(dir));
    }

    @Test
    void postgresql() throws Exception {
        runAndCheck("postgresql", url(JdbcHeartbeats.POSTGRESQL_URL, "PostgreSQL"));
    }

    @Test
    void mariadb() throws Exception {
        runAndCheck("mariadb", url(JdbcHeartbeats.MARIADB_URL, "MariaDB"));
    }

    /** The URL in {@code variable}; aborts the test when it is not set, or fails it when databases are required. */
    private static String url(String variable, String database) {
        String url = System.getenv(variable);
        if (url == null || url.isBlank()) {
            if ("true".equalsIgnoreCase(System.getenv(REQUIRE_DATABASES))) {
                fail(variable + " is not set but " + REQUIRE_DATABASES + "=true: the " + database + " run must run");
            }
            Assumptions.abort(variable + " is not set: skipping the " + database + " run");
        }
        return url;
    }

    private static void runAndCheck(String db, String url) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Map<String, Double> results;
        try (PrintStream out = new PrintStream(bytes, true, UTF_8)) {
            results = JdbcHeartbeats.measure(db, url, AGENTS, 1, 1, THREADS, out);
        }
        String output = bytes.toString(UTF_8);
        System.out.print(output);

        // the RESULT lines, read the way the suite reads its child's output
        Map<String, Double> printed = new HashMap<>();
        output.lines().forEach(line -> BenchmarkSuite.readResult(line, printed));
        List<String> keys = FIGURES.stream().map(f -> db + "." + f).toList();
        assertThat(output).contains(db + ": seeded " + AGENTS + " agents");
        assertThat(results).as(output).containsOnlyKeys(keys);
        assertThat(printed).as(output).containsOnlyKeys(keys);
        results.forEach((key, value) -> assertThat(printed.get(key)).as(key).isCloseTo(value, within(0.051)));

        Figures f = new Figures(db, results);
        assertThat(f.get("bulk")).as("bulk UPDATE rows/s").isPositive();
        assertThat(f.get("naive")).as("naive writer: accepted heartbeats/s").isPositive();
        for (String run : List.of("coalescing", "paced")) {
            double accepted = f.get(run);
            assertThat(accepted).as(run + ": accepted heartbeats/s").isPositive();
            // every row a flush writes carries at least one heartbeat accepted in this run
            assertThat(f.get(run + ".rows"))
                    .as(run + ": rows written/s")
                    .isPositive()
                    .isLessThanOrEqualTo(accepted);
            // a flush writes each agent's liveness at most once
            assertThat(f.get(run + ".flushrows"))
                    .as(run + ": rows per timed flush")
                    .isPositive()
                    .isLessThanOrEqualTo(AGENTS);
            assertThat(f.get(run + ".flushms")).as(run + ": ms per timed flush").isPositive();
            assertThat(f.get(run + ".capacity"))
                    .as(run + ": rows per second of flushing")
                    .isPositive();
        }
        // the paced drivers never run ahead of their schedule, and the store accepts every beat they offer
        assertThat(f.get("paced.offered")).isPositive().isLessThanOrEqualTo(JdbcHeartbeats.PACED_PER_SECOND);
        assertThat(f.get("paced")).as("accepted = offered").isEqualTo(f.get("paced.offered"));
    }

    private record Figures(String db, Map<String, Double> results) {
        double get(String figure) {
            return results.get(db + "." + figure);
        }
    }
}
