package dev.agentmanager.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link RegistrationRuns} at a tiny size: both sides run, and it prints the figures the suite reads. */
class RegistrationRunsSmokeTest {

    @Test
    void interleaves_registration_and_raw_crypto_and_prints_the_suites_results() throws Exception {
        Map<String, Double> results = MainResults.of(() -> RegistrationRuns.main(new String[] {"3", "5"}));
        assertThat(results)
                .containsKeys(
                        "registration.ours",
                        "registration.raw",
                        "registration.ratio",
                        "registration.q1",
                        "registration.q3");
        assertThat(results.get("registration.rounds")).isEqualTo(3.0);
        assertThat(results.get("registration.ours")).isPositive();
        assertThat(results.get("registration.raw")).isPositive();
        assertThat(results.get("registration.q1")).isLessThanOrEqualTo(results.get("registration.ratio"));
        assertThat(results.get("registration.ratio")).isLessThanOrEqualTo(results.get("registration.q3"));
    }
}
