package dev.agentmanager.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ChaosRun} at a tiny size on PostgreSQL: three replica JVMs, 20 agents, 300 tasks, a replica killed with
 * {@code SIGKILL} every 3 seconds and started again, replies dropped, agents restarted. Every task finishes, every
 * invariant count is 0, and each kind of fault happened at least once. Runs when
 * {@code AGENTMANAGER_TEST_POSTGRESQL_URL} is set; without it it is skipped, unless
 * {@code AGENTMANAGER_TEST_REQUIRE_DATABASES=true} (CI), where it fails.
 */
class ChaosRunSmokeTest {
    private static final int TASKS = 300;

    @Test
    void every_task_finishes_and_no_invariant_breaks_under_kills_drops_and_restarts(@TempDir Path dir)
            throws Exception {
        String url = System.getenv(JdbcHeartbeats.POSTGRESQL_URL);
        if (url == null || url.isBlank()) {
            if ("true".equalsIgnoreCase(System.getenv("AGENTMANAGER_TEST_REQUIRE_DATABASES"))) {
                fail(JdbcHeartbeats.POSTGRESQL_URL + " is not set but databases are required");
            }
            Assumptions.abort(JdbcHeartbeats.POSTGRESQL_URL + " is not set: skipping the chaos run");
        }

        ChildJvm.Run run = ChildJvm.run(dir, ChaosRun.class, List.of(), "20", String.valueOf(TASKS), "3", "90");
        Map<String, Double> r = run.results();

        assertThat(r.get("chaos.finished")).as(run.output()).isEqualTo(1.0);
        for (String invariant : ChaosChecker.INVARIANTS) {
            assertThat(r.get("chaos." + invariant)).as(invariant).isZero();
        }
        assertThat(r.get("chaos.tasks")).isEqualTo(TASKS);
        assertThat(r.get("chaos.tasks.succeeded")
                        + r.get("chaos.tasks.failed")
                        + r.get("chaos.tasks.lost")
                        + r.get("chaos.tasks.timed_out")
                        + r.get("chaos.tasks.cancelled"))
                .isEqualTo(TASKS);
        assertThat(r.get("chaos.claims")).isGreaterThanOrEqualTo(TASKS);
        for (String fault : List.of("kills", "replica.restarts", "agent.restarts", "dropped")) {
            assertThat(r.get("chaos." + fault)).as(fault).isGreaterThanOrEqualTo(1);
        }
        assertThat(r.get("chaos.errors")).as("unexpected answers").isZero();
        assertThat(r.get("chaos.agent.errors")).as("agent steps that threw").isNull();
        assertThat(r.get("chaos.kills.other")).as("kills that were not SIGKILL").isNull();
        assertThat(ChaosRun.rows(r)).noneMatch(row -> row.contains("missing") || row.contains("missed"));
    }
}
