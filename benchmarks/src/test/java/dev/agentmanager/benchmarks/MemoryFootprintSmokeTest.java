package dev.agentmanager.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MemoryFootprint} the way the suite runs it ({@link ChildJvm}) at 10,000 agents: it exits 0 and prints the
 * three figures the suite reads, each a plausible number of bytes per agent.
 */
class MemoryFootprintSmokeTest {
    private static final int AGENTS = 10_000;

    @Test
    void prints_the_heap_per_agent_of_both_fleets(@TempDir Path dir) throws Exception {
        ChildJvm.Run run = ChildJvm.run(dir, MemoryFootprint.class, List.of(), String.valueOf(AGENTS));

        Map<String, Double> results = run.results();
        assertThat(results).as(run.output()).containsOnlyKeys("memory.ours", "memory.ours.withoutPem", "memory.eureka");
        double ours = results.get("memory.ours");
        // plausible, not targets
        assertThat(ours).as("ours, bytes per agent").isBetween(100.0, 5_000.0);
        assertThat(results.get("memory.ours.withoutPem"))
                .as("ours without the certificate bodies")
                .isBetween(50.0, ours);
        assertThat(results.get("memory.eureka"))
                .as("Eureka, bytes per instance")
                .isBetween(100.0, 5_000.0);
    }
}
