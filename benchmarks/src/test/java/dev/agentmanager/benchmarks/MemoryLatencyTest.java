package dev.agentmanager.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link MemoryLatency}: the chase is one cycle through every line, so no line is skipped or revisited early. */
class MemoryLatencyTest {

    @Test
    void the_chase_visits_every_line_once_per_cycle() {
        for (long bytes : new long[] {128, 64 * 1000, 1 << 20}) {
            MemoryLatency chase = new MemoryLatency(bytes);
            assertThat(chase.cycleLength()).as("%d bytes", bytes).isEqualTo((int) (bytes / 64));
        }
    }

    @Test
    void a_footprint_below_two_lines_still_chases_two() {
        assertThat(new MemoryLatency(1).cycleLength()).isEqualTo(2);
    }

    @Test
    void measures_a_positive_time_per_access() {
        MemoryLatency chase = new MemoryLatency(1 << 20);
        assertThat(chase.nanosPerAccess(100_000)).isPositive();
    }
}
