package dev.agentmanager.benchmarks;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TaskThroughputRuns} at a tiny size (200 tasks, one round per side, 4 threads) on PostgreSQL and MariaDB:
 * both sides run, every round passes its exactly-once check (the child exits 0 only then), the figures print and
 * the rows have no "missing"; no table of the run's prefix is left (any a failed child left is dropped). Runs when both database URLs are in the environment
 * ({@code AGENTMANAGER_TEST_POSTGRESQL_URL}, {@code AGENTMANAGER_TEST_MARIADB_URL}), as in store-jdbc's tests;
 * without them it is skipped, unless {@code AGENTMANAGER_TEST_REQUIRE_DATABASES=true} (CI), where it fails.
 */
class TaskThroughputRunsSmokeTest {
    private static final int TASKS = 200;

    @Test
    void both_sides_complete_every_task_exactly_once_on_both_databases(@TempDir Path dir) throws Exception {
        requireUrl(JdbcHeartbeats.POSTGRESQL_URL, "PostgreSQL");
        requireUrl(JdbcHeartbeats.MARIADB_URL, "MariaDB");

        ChildJvm.Run run;
        try {
            run = ChildJvm.run(dir, TaskThroughputRuns.class, List.of(), String.valueOf(TASKS), "1", "4");
            for (String db : List.of("postgresql", "mariadb")) {
                assertThat(leftovers(db, prefix(run.output(), db)))
                        .as("tables left by the child")
                        .isEmpty();
            }
        } finally {
            dropLeftovers(dir);
        }

        Map<String, Double> r = run.results();
        for (String db : List.of("postgresql", "mariadb")) {
            String k = "throughput." + db + ".";
            assertThat(r)
                    .as(run.output())
                    .containsKeys(k + "ours", k + "dbscheduler", k + "ratio", k + "warmup", k + "rounds");
            assertThat(r.get(k + "ours")).isPositive();
            assertThat(r.get(k + "dbscheduler")).isPositive();
            assertThat(r.get(k + "tasks")).isEqualTo((double) TASKS);
            assertThat(r.get(k + "threads")).isEqualTo(4.0);
            assertThat(r.get(k + "rounds")).isEqualTo(1.0);
            // the warm-up and every round passed the exactly-once check, on each side
            double checked = r.get(k + "warmup") + TASKS * r.get(k + "rounds");
            assertThat(r.get(k + "ours.checked")).as(k + "ours.checked").isEqualTo(checked);
            assertThat(r.get(k + "dbscheduler.checked"))
                    .as(k + "dbscheduler.checked")
                    .isEqualTo(checked);
            assertThat(run.output()).doesNotContain(db + " skipped");
        }
        assertThat(TaskThroughputRuns.rows(r)).hasSize(2).noneMatch(row -> row.contains("missing"));
    }

    /** The table prefix the child printed for {@code db}. */
    private static String prefix(String output, String db) {
        Optional<String> prefix = printedPrefix(output, db);
        assertThat(prefix).as(output).isPresent();
        return prefix.get();
    }

    private static Optional<String> printedPrefix(String output, String db) {
        Matcher m = Pattern.compile("(?m)^" + db + ": table prefix (\\S+)$").matcher(output);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The tables of {@code db} whose names start with {@code prefix}. */
    private static List<String> leftovers(String db, String prefix) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(System.getenv(variable(db)));
                ResultSet rs = c.getMetaData().getTables(c.getCatalog(), null, "%", new String[] {"TABLE"})) {
            while (rs.next()) {
                String name = rs.getString("TABLE_NAME");
                if (name.toLowerCase(Locale.ROOT).startsWith(prefix)) {
                    tables.add(name);
                }
            }
        }
        return tables;
    }

    /** Drops what a failed child may have left: the tables of each prefix it printed. */
    private static void dropLeftovers(Path dir) throws Exception {
        Path log = dir.resolve(TaskThroughputRuns.class.getSimpleName() + ".log");
        String output = Files.exists(log) ? Files.readString(log, UTF_8) : "";
        for (String db : List.of("postgresql", "mariadb")) {
            Optional<String> prefix = printedPrefix(output, db);
            if (prefix.isEmpty()) {
                continue;
            }
            List<String> tables = leftovers(db, prefix.get());
            try (Connection c = DriverManager.getConnection(System.getenv(variable(db)));
                    Statement s = c.createStatement()) {
                for (String table : tables) {
                    s.execute("DROP TABLE IF EXISTS " + table);
                }
            }
        }
    }

    private static String variable(String db) {
        return db.equals("postgresql") ? JdbcHeartbeats.POSTGRESQL_URL : JdbcHeartbeats.MARIADB_URL;
    }

    private static void requireUrl(String variable, String database) {
        String url = System.getenv(variable);
        if (url == null || url.isBlank()) {
            if ("true".equalsIgnoreCase(System.getenv(TaskThroughputRuns.REQUIRE_DATABASES))) {
                fail(variable + " is not set but " + TaskThroughputRuns.REQUIRE_DATABASES + "=true: the " + database
                        + " run must run");
            }
            Assumptions.abort(variable + " is not set: skipping the " + database + " run");
        }
    }
}
