package dev.agentmanager.benchmarks;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a part's {@code main} the way the suite does, in a child JVM with the serial collector (such a
 * {@code main} ends with {@code System.exit}, and heap figures need a collector that compacts on
 * {@code System.gc()}), and checks that it exits 0 within two minutes.
 */
final class ChildJvm {
    private ChildJvm() {}

    /** The child's output, and its {@code RESULT} figures by key. */
    record Run(String output, Map<String, Double> results) {}

    static Run run(Path dir, Class<?> main, List<String> unsetEnvironment, String... args) throws Exception {
        Path log = dir.resolve(main.getSimpleName() + ".log");
        List<String> command = new ArrayList<>(List.of(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "-Xmx512m",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                main.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        unsetEnvironment.forEach(builder.environment()::remove);
        Process child = builder.start();
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
        return new Run(output, results);
    }
}
