package dev.agentmanager.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TaskLatencyRuns} at a tiny size (2,000 then 4,000 queued, 100 timed claims each, 8 samples per submit →
 * held flow, heartbeats every 200 ms), on PostgreSQL as the environment gives it (see {@link JdbcHeartbeatsSmokeTest})
 * and on the H2 fallback: every figure prints, counts are exact, and the rows miss nothing. Never a speed.
 */
class TaskLatencyRunsSmokeTest {
    private static final List<String> FLOWS =
            List.of("longpoll.same", "longpoll.cross", "longpoll.crossfast", "piggyback.same", "piggyback.cross");

    @Test
    void postgresql_or_the_fallback_the_environment_gives(@TempDir Path dir) throws Exception {
        ChildJvm.Run run = ChildJvm.run(dir, TaskLatencyRuns.class, List.of(), "2000", "4000", "100", "8", "200");
        boolean required = "true".equalsIgnoreCase(System.getenv("AGENTMANAGER_TEST_REQUIRE_DATABASES"));
        if (required) {
            assertThat(run.output()).contains(TaskLatencyRuns.DATABASE_LINE + "PostgreSQL");
        }
        check(run);
    }

    @Test
    void h2_fallback(@TempDir Path dir) throws Exception {
        ChildJvm.Run run = ChildJvm.run(dir, TaskLatencyRuns.class, List.of(), "2000", "4000", "100", "8", "200", "h2");
        assertThat(run.output()).contains(TaskLatencyRuns.DATABASE_LINE + "H2 file (fallback)");
        assertThat(run.results().get("latency.postgresql")).isZero();
        check(run);
    }

    private static void check(ChildJvm.Run run) {
        Map<String, Double> r = run.results();
        List<String> keys = new ArrayList<>();
        for (String size : List.of("small", "large")) {
            String claim = "latency.claim." + size;
            for (String figure : List.of("p50", "p99", "max")) {
                keys.add(claim + "." + figure);
                keys.add(claim + ".report." + figure);
            }
            assertThat(r.get(claim + ".count")).as(run.output()).isEqualTo(100.0);
        }
        assertThat(r.get("latency.claim.small.queued")).isEqualTo(2000.0);
        assertThat(r.get("latency.claim.large.queued")).isEqualTo(4000.0);
        for (String flow : FLOWS) {
            for (String figure : List.of("p50", "p99", "max", "count", "lost", "patience")) {
                keys.add("latency." + flow + "." + figure);
            }
        }
        keys.addAll(List.of(
                "latency.postgresql",
                "latency.claim.threads",
                "latency.claim.agents",
                "latency.longpoll.cross.refresh",
                "latency.longpoll.crossfast.refresh",
                "latency.piggyback.interval"));
        assertThat(r).as(run.output()).containsKeys(keys.toArray(String[]::new));
        // one agent per flow's share: 8 samples each, unless a tenth of them (at least 3) were lost first
        assertThat(r.get("latency.longpoll.same.count")).isEqualTo(8.0);
        assertThat(r.get("latency.piggyback.same.count")).isGreaterThanOrEqualTo(8.0);
        assertThat(r.get("latency.piggyback.interval")).isEqualTo(200.0);
        assertThat(r.get("latency.claim.small.p99")).isPositive();
        assertThat(TaskLatencyRuns.rows(r)).hasSize(8).noneMatch(row -> row.contains("missing"));
    }
}
