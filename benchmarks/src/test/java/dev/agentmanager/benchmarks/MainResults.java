package dev.agentmanager.benchmarks;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Runs a benchmark's {@code main} with standard output captured and reads its {@code RESULT} lines as the suite does. */
final class MainResults {
    private MainResults() {}

    interface Main {
        void run() throws Exception;
    }

    static Map<String, Double> of(Main main) throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            main.run();
        } finally {
            System.setOut(original);
        }
        Map<String, Double> results = new HashMap<>();
        captured.toString(StandardCharsets.UTF_8).lines().forEach(line -> BenchmarkSuite.readResult(line, results));
        return results;
    }
}
