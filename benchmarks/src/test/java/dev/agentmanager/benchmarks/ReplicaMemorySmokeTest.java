package dev.agentmanager.benchmarks;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ReplicaMemory} the way the suite runs it (a child JVM with the serial collector, the database in an H2
 * server JVM of its own) at 2,000 agents: it exits 0, every agent's beat is accepted, and it prints the figures the
 * suite reads.
 */
class ReplicaMemorySmokeTest {
    private static final int AGENTS = 2_000;

    @Test
    void prints_the_heap_per_agent_of_a_replica(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("replica.log");
        List<String> command = List.of(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "-Xmx512m",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                ReplicaMemory.class.getName(),
                String.valueOf(AGENTS));
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().remove(JdbcHeartbeats.POSTGRESQL_URL); // the H2 server path
        Process child = builder.start();
        boolean exited = child.waitFor(2, TimeUnit.MINUTES);
        if (!exited) {
            child.destroyForcibly();
        }
        String output = Files.readString(log, UTF_8);
        System.out.print(output);
        assertThat(exited).as("exited within 2 minutes:%n%s", output).isTrue();
        assertThat(child.exitValue()).as(output).isZero();
        assertThat(output).contains(ReplicaMemory.DATABASE_LINE + "H2 server");

        Map<String, Double> results = new HashMap<>();
        output.lines().forEach(line -> BenchmarkSuite.readResult(line, results));
        assertThat(results)
                .as(output)
                .containsOnlyKeys("replica.agents", "replica.perAgent", "replica.perAgent.flushed");
        assertThat(results.get("replica.agents")).isEqualTo(AGENTS);
    }
}
