package dev.agentmanager.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link HotStateLayouts} at a tiny size: both layouts find and accept every agent, and it prints its figures. */
class HotStateLayoutsSmokeTest {

    @Test
    void both_layouts_accept_every_agent_once_per_cycle() {
        int agents = 3000;
        HotStateLayouts layouts = new HotStateLayouts(agents);
        // one cycle through the fleet per call; the sequence numbers are shared, so the second cycle's are 2
        assertThat(layouts.run(true, agents)).isEqualTo(agents);
        assertThat(layouts.run(false, agents)).isEqualTo(2L * agents);
        assertThat(layouts.run(true, agents)).isEqualTo(3L * agents);
    }

    @Test
    void prints_the_figures() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            HotStateLayouts.main(new String[] {"2000", "2", "20000"});
        } finally {
            System.setOut(original);
        }
        Map<String, Double> results = new HashMap<>();
        captured.toString(StandardCharsets.UTF_8).lines().forEach(line -> BenchmarkSuite.readResult(line, results));
        assertThat(results.get("layouts.entry")).isPositive();
        assertThat(results.get("layouts.inline")).isPositive();
        assertThat(results.get("layouts.access")).isPositive();
    }
}
