package dev.agentmanager.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link PeerRuns} at a tiny size: both sides beat, and it prints the figures the suite reads. */
class PeerRunsSmokeTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void interleaves_both_sides_and_prints_the_suites_results(int threads) throws Exception {
        Map<String, Double> results =
                MainResults.of(() -> PeerRuns.main(new String[] {String.valueOf(threads), "2000", "3", "20000"}));
        String key = "peer.t" + threads;
        assertThat(results).containsKeys(key + ".ours", key + ".eureka", key + ".ratio", key + ".q1", key + ".q3");
        assertThat(results.get(key + ".rounds")).isEqualTo(3.0);
        assertThat(results.get(key + ".ours")).isPositive();
        assertThat(results.get(key + ".eureka")).isPositive();
        assertThat(results.get(key + ".q1")).isLessThanOrEqualTo(results.get(key + ".ratio"));
        assertThat(results.get(key + ".ratio")).isLessThanOrEqualTo(results.get(key + ".q3"));
    }
}
