package dev.agentmanager.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link SweepBenchmark}'s states at a small size, stepped by hand as JMH would: our simulated steady state
 * (3,000 agents) expires about 0.1 % of the fleet per sweep, exactly the agents the design says, and those agents
 * come back; Eureka's eviction pass evicts the lapsed instances.
 */
class SweepBenchmarkSmokeTest {
    private static final int AGENTS = 3_000;
    /** Two rounds of the 30 cohorts: every agent beats twice (unless it is missing). */
    private static final int SWEEPS = 2 * SweepBenchmark.COHORTS;

    @BeforeAll
    static void quiet() {
        Fleet.quietLogging();
    }

    @Test
    void ours_expires_a_tenth_of_a_percent_of_the_fleet_per_sweep_and_the_agents_come_back() {
        SweepBenchmark.Ours ours = new SweepBenchmark.Ours();
        ours.agents = AGENTS;
        ours.setUp(); // 300 simulated seconds: every agent has beaten, failures and comebacks are under way
        SweepBenchmark benchmark = new SweepBenchmark();
        SweepBenchmark.Expiries counts = new SweepBenchmark.Expiries();
        counts.reset();

        long total = 0;
        for (int s = 0; s < SWEEPS; s++) {
            ours.nextSecond();
            int expired = benchmark.ours(ours, counts);
            assertThat(expired)
                    .as("expired at simulated second %d", ours.second)
                    .isEqualTo(designedExpiries(ours.second));
            total += expired;
        }
        assertThat(counts.sweeps).isEqualTo(SWEEPS);
        assertThat(counts.expired).isEqualTo(total);
        assertThat(ours.sweeps).isEqualTo(SWEEPS);
        assertThat(ours.expired).isEqualTo(total);
        // the designed rate: about 1 agent in 1,000 per sweep (1/30 of the fleet beats each second, 1/33 of those
        // starts missing)
        assertThat(total / (double) SWEEPS / AGENTS).isCloseTo(0.001, withinPercentage(20));

        // An agent stays inactive from its expiry until its cohort's second round after (60 s): the inactive ones
        // now are exactly those that expired in the 60 sweeps above.
        Instant now = ours.clock.instant();
        List<Agent> inactive = ours.manager.findAgents(AgentQuery.builder()
                .status(AgentStatus.INACTIVE)
                .limit(AgentQuery.MAX_LIMIT)
                .build());
        assertThat(inactive).hasSize((int) total);

        for (int s = 0; s < SWEEPS; s++) {
            ours.nextSecond();
            ours.monitor.runOnce();
        }
        for (Agent before : inactive) {
            Agent after = ours.manager.findAgent(before.id()).orElseThrow();
            assertThat(after.status()).as(after.id()).isEqualTo(AgentStatus.ACTIVE);
            assertThat(after.liveness().lastHeartbeatAt()).as(after.id()).isAfter(now);
        }
        ours.report();
    }

    /**
     * The agents the design says expire in the sweep of simulated second {@code second}: those of that second's
     * cohort that beat three rounds ago (their deadline, 90 s later, is now) and have missed every beat since.
     */
    private static int designedExpiries(int second) {
        int round = second / SweepBenchmark.COHORTS;
        int expected = 0;
        for (int i = second % SweepBenchmark.COHORTS; i < AGENTS; i += SweepBenchmark.COHORTS) {
            boolean beat =
                    second - 90 >= SweepBenchmark.Ours.firstBeat(i) && !SweepBenchmark.Ours.missing(i, round - 3);
            if (beat
                    && SweepBenchmark.Ours.missing(i, round - 2)
                    && SweepBenchmark.Ours.missing(i, round - 1)
                    && SweepBenchmark.Ours.missing(i, round)) {
                expected++;
            }
        }
        return expected;
    }

    @Test
    void eureka_evicts_the_lapsed_instances_each_pass() {
        SweepBenchmark.Eureka eureka = new SweepBenchmark.Eureka();
        eureka.agents = 2_000;
        eureka.setUp();
        try {
            assertThat(eureka.registry.getLocalRegistrySize()).isEqualTo(2_000);
            SweepBenchmark benchmark = new SweepBenchmark();
            for (int pass = 0; pass < 3; pass++) {
                eureka.lapse();
                benchmark.eureka(eureka);
                eureka.count();
            }
            assertThat(eureka.overdue).isEqualTo(2);
            assertThat(eureka.passes).isEqualTo(3);
            assertThat(eureka.evicted).isEqualTo(3L * eureka.overdue);
            assertThat(eureka.registry.getLocalRegistrySize()).isEqualTo(2_000 - eureka.overdue);
        } finally {
            eureka.report();
        }
    }
}
