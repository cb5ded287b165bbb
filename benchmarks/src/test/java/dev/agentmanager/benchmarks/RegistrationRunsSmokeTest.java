package dev.agentmanager.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link RegistrationRuns} at a tiny size: both sides run, and it prints the figures the suite reads. */
class RegistrationRunsSmokeTest {

    @Test
    void interleaves_registration_and_raw_crypto_and_prints_the_suites_results() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            RegistrationRuns.main(new String[] {"3", "5"});
        } finally {
            System.setOut(original);
        }
        Map<String, Double> results = new HashMap<>();
        captured.toString(StandardCharsets.UTF_8).lines().forEach(line -> BenchmarkSuite.readResult(line, results));
        assertThat(results).containsKeys("registration.ours", "registration.raw", "registration.ratio",
                "registration.q1", "registration.q3");
        assertThat(results.get("registration.rounds")).isEqualTo(3.0);
        assertThat(results.get("registration.ours")).isPositive();
        assertThat(results.get("registration.raw")).isPositive();
        assertThat(results.get("registration.q1")).isLessThanOrEqualTo(results.get("registration.ratio"));
        assertThat(results.get("registration.ratio")).isLessThanOrEqualTo(results.get("registration.q3"));
    }
}
