package dev.agentmanager.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BulkTokenRunsSmokeTest {

    @Test
    void prints_the_registration_time_early_and_late(@TempDir Path dir) throws Exception {
        ChildJvm.Run run = ChildJvm.run(dir, BulkTokenRuns.class, List.of(JdbcHeartbeats.POSTGRESQL_URL), "100");

        assertThat(run.results()).as(run.output()).containsOnlyKeys("bulk.first", "bulk.last");
        assertThat(run.results().get("bulk.last")).isPositive();
    }
}
