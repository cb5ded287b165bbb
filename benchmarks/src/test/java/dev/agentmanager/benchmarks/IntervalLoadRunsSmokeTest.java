package dev.agentmanager.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link IntervalLoadRuns} the way the suite runs it ({@link ChildJvm}) at 2,000 agents and 2 measured passes, on
 * PostgreSQL when {@code AGENTMANAGER_TEST_POSTGRESQL_URL} is set (required when
 * {@code AGENTMANAGER_TEST_REQUIRE_DATABASES=true}), else on in-memory H2: it exits 0 (every beat accepted, every
 * agent's last beat stored, its tables dropped), counted the statements and prints the figures the suite reads.
 */
class IntervalLoadRunsSmokeTest {
    private static final int AGENTS = 2_000;
    private static final int PASSES = 2;

    @Test
    void every_agent_beats_once_per_pass_on_two_replicas(@TempDir Path dir) throws Exception {
        String url = System.getenv(JdbcHeartbeats.POSTGRESQL_URL);
        boolean postgres = url != null && !url.isBlank();
        if (!postgres && "true".equalsIgnoreCase(System.getenv("AGENTMANAGER_TEST_REQUIRE_DATABASES"))) {
            fail(JdbcHeartbeats.POSTGRESQL_URL + " is not set but AGENTMANAGER_TEST_REQUIRE_DATABASES=true");
        }

        ChildJvm.Run run = ChildJvm.run(
                dir, IntervalLoadRuns.class, List.of(), String.valueOf(AGENTS), "2", "4", String.valueOf(PASSES));

        assertThat(run.output()).contains(IntervalLoadRuns.DATABASE_LINE + (postgres ? "PostgreSQL" : "H2"));
        assertThat(run.results())
                .as(run.output())
                .containsKeys(
                        "interval.rate",
                        "interval.interval",
                        "interval.p50us",
                        "interval.p99us",
                        "interval.maxus",
                        "interval.statements",
                        "interval.perBeat",
                        "interval.perBeat.agentRead",
                        "interval.perBeat.flush",
                        "interval.refused");
        assertThat(run.results().get("interval.postgresql")).isEqualTo(postgres ? 1.0 : 0.0);
        assertThat(run.results().get("interval.agents")).isEqualTo(AGENTS);
        // at least 2 s of passes: a flush and change feed reads fall inside (a routine beat itself reads nothing)
        assertThat(run.results().get("interval.passes")).isGreaterThanOrEqualTo(PASSES);
        assertThat(run.results().get("interval.beats"))
                .isEqualTo(AGENTS * run.results().get("interval.passes"));
        assertThat(run.results().get("interval.refused")).isZero();
        assertThat(run.results().get("interval.statements")).isPositive();
        assertThat(IntervalLoadRuns.rows(run.results())).hasSize(3).noneMatch(row -> row.contains("missing"));
    }
}
