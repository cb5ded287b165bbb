package dev.agentmanager.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link MetricsRuns} at a tiny size: both fleets beat, the ratio and its row print. */
class MetricsRunsSmokeTest {

    @Test
    void prints_the_heartbeat_ratio_with_and_without_the_binder(@TempDir Path dir) throws Exception {
        ChildJvm.Run run = ChildJvm.run(dir, MetricsRuns.class, List.of(), "2000", "3", "20000");

        assertThat(run.results())
                .as(run.output())
                .containsKeys("metrics.heartbeat.with", "metrics.heartbeat.without", "metrics.heartbeat.ratio");
        assertThat(run.results().get("metrics.heartbeat.rounds")).isEqualTo(3.0);
        assertThat(MetricsRuns.rows(run.results())).singleElement().matches(row -> !row.contains("missing"));
    }
}
