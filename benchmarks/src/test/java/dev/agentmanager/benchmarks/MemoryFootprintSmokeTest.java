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
 * {@link MemoryFootprint} the way the suite runs it, in a child JVM with the serial collector (its {@code main}
 * ends with {@code System.exit}, and its figures need a collector that compacts on {@code System.gc()}), at 10,000
 * agents: it exits 0 and prints the three figures the suite reads, each a plausible number of bytes per agent.
 */
class MemoryFootprintSmokeTest {
    private static final int AGENTS = 10_000;

    @Test
    void prints_the_heap_per_agent_of_both_fleets(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("memory.log");
        List<String> command = List.of(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "-Xmx512m",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                MemoryFootprint.class.getName(),
                String.valueOf(AGENTS));
        Process child = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean exited = child.waitFor(2, TimeUnit.MINUTES);
        if (!exited) {
            child.destroyForcibly();
        }
        String output = Files.readString(log, UTF_8);
        System.out.print(output);
        assertThat(exited).as("exited within 2 minutes:%n%s", output).isTrue();
        assertThat(child.exitValue()).as(output).isZero();

        Map<String, Double> results = new HashMap<>();
        output.lines().forEach(line -> BenchmarkSuite.readResult(line, results));
        assertThat(results).as(output).containsOnlyKeys("memory.ours", "memory.ours.withoutPem", "memory.eureka");
        double ours = results.get("memory.ours");
        double withoutPem = results.get("memory.ours.withoutPem");
        double eureka = results.get("memory.eureka");
        // plausible, not targets
        assertThat(ours).as("ours, bytes per agent").isBetween(100.0, 5_000.0);
        assertThat(withoutPem).as("ours without the certificate bodies").isBetween(50.0, ours);
        assertThat(eureka).as("Eureka, bytes per instance").isBetween(100.0, 5_000.0);
    }
}
