package dev.agentmanager.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TaskRuns} at a tiny size: both heartbeat fleets beat, the tasks are claimed and completed, rows print. */
class TaskRunsSmokeTest {

    @Test
    void prints_the_heartbeat_ratio_and_the_claim_rates(@TempDir Path dir) throws Exception {
        ChildJvm.Run run = ChildJvm.run(dir, TaskRuns.class, List.of(), "2000", "3", "20000", "300");

        assertThat(run.results())
                .as(run.output())
                .containsKeys(
                        "tasks.heartbeat.with",
                        "tasks.heartbeat.without",
                        "tasks.heartbeat.ratio",
                        "tasks.claim.t1",
                        "tasks.claim.t2");
        assertThat(run.results().get("tasks.heartbeat.rounds")).isEqualTo(3.0);
        assertThat(run.results().get("tasks.claim.tasks")).isEqualTo(300.0);
        assertThat(run.results().get("tasks.claim.t2")).isPositive();
        assertThat(TaskRuns.rows(run.results())).hasSize(3).noneMatch(row -> row.contains("missing"));
    }
}
