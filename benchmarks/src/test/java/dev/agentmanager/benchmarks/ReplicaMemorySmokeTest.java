package dev.agentmanager.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ReplicaMemory} the way the suite runs it ({@link ChildJvm}; the database in an H2 server JVM of its own)
 * at 2,000 agents: it exits 0, every agent's beat is accepted, and it prints the figures the suite reads.
 */
class ReplicaMemorySmokeTest {
    private static final int AGENTS = 2_000;

    @Test
    void prints_the_heap_per_agent_of_a_replica(@TempDir Path dir) throws Exception {
        ChildJvm.Run run =
                ChildJvm.run(dir, ReplicaMemory.class, List.of(JdbcHeartbeats.POSTGRESQL_URL), String.valueOf(AGENTS));

        assertThat(run.output()).contains(ReplicaMemory.DATABASE_LINE + "H2 server");
        assertThat(run.results())
                .as(run.output())
                .containsOnlyKeys("replica.agents", "replica.perAgent", "replica.perAgent.flushed");
        assertThat(run.results().get("replica.agents")).isEqualTo(AGENTS);
    }
}
