package dev.agentmanager.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

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
        Map<String, Double> results = MainResults.of(() -> HotStateLayouts.main(new String[] {"2000", "2", "20000"}));
        assertThat(results.get("layouts.entry")).isPositive();
        assertThat(results.get("layouts.inline")).isPositive();
        assertThat(results.get("layouts.access")).isPositive();
    }
}
