package dev.agentmanager.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.HeartbeatResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * {@link HeartbeatBenchmark}'s states at 2,000 agents split over two (simulated) JMH threads, and the two benchmark
 * methods called a few thousand times: every beat of ours is accepted (a rejected one throws; a beat of an agent
 * in both threads' shares, or twice in one share, would be stale), every renew of Eureka's finds its instance.
 */
class HeartbeatBenchmarkSmokeTest {
    private static final int AGENTS = 2_000;
    private static final int THREADS = 2;
    private static final int ROUNDS = 3;

    @BeforeAll
    static void quiet() {
        Fleet.quietLogging();
    }

    @Test
    void the_threads_shares_are_disjoint_and_cover_the_fleet() {
        int[] all = IntStream.range(0, 3)
                .flatMap(t -> Arrays.stream(HeartbeatBenchmark.share(1_000, 3, t)))
                .sorted()
                .toArray();
        assertThat(all).isEqualTo(IntStream.range(0, 1_000).toArray());
        assertThat(HeartbeatBenchmark.share(1_000, 3, 0))
                .as("a random order, not the registration order")
                .isNotEqualTo(IntStream.iterate(0, i -> i + 3).limit(334).toArray());
    }

    @Test
    void ours_accepts_every_beat() {
        HeartbeatBenchmark.Ours ours = new HeartbeatBenchmark.Ours();
        ours.agents = AGENTS;
        ours.setUp(); // registers the fleet and beats every agent once (sequence 0)
        HeartbeatBenchmark.OurBeater[] beaters = new HeartbeatBenchmark.OurBeater[THREADS];
        for (int t = 0; t < THREADS; t++) {
            beaters[t] = new HeartbeatBenchmark.OurBeater();
            beaters[t].setUp(ours, thread(t));
        }
        assertThat(Arrays.stream(beaters).mapToInt(b -> b.count).sum()).isEqualTo(AGENTS);

        HeartbeatBenchmark benchmark = new HeartbeatBenchmark();
        long beats = 0;
        for (int round = 1; round <= ROUNDS; round++) {
            for (HeartbeatBenchmark.OurBeater beater : beaters) {
                for (int k = 0; k < beater.count; k++) {
                    HeartbeatResponse response = benchmark.ours(ours, beater);
                    assertThat(response.status()).isEqualTo(AgentStatus.ACTIVE);
                    assertThat(response.bootEpoch()).isEqualTo(1);
                    assertThat(response.sequence()).isEqualTo(round);
                    assertThat(response.deadline())
                            .isEqualTo(response.serverTime().plus(Duration.ofSeconds(90)));
                    beats++;
                }
                assertThat(beater.next).as("wrapped around its share").isZero();
            }
        }
        assertThat(beats).isEqualTo((long) ROUNDS * AGENTS);
    }

    @Test
    void eureka_renews_every_instance() {
        HeartbeatBenchmark.Eureka eureka = new HeartbeatBenchmark.Eureka();
        eureka.agents = AGENTS;
        eureka.setUp();
        try {
            assertThat(eureka.registry.getLocalRegistrySize()).isEqualTo(AGENTS);
            HeartbeatBenchmark.EurekaRenewer[] renewers = new HeartbeatBenchmark.EurekaRenewer[THREADS];
            for (int t = 0; t < THREADS; t++) {
                renewers[t] = new HeartbeatBenchmark.EurekaRenewer();
                renewers[t].setUp(eureka, thread(t));
            }
            assertThat(Arrays.stream(renewers).mapToInt(r -> r.count).sum()).isEqualTo(AGENTS);
            HeartbeatBenchmark benchmark = new HeartbeatBenchmark();
            for (int round = 0; round < ROUNDS; round++) {
                for (HeartbeatBenchmark.EurekaRenewer renewer : renewers) {
                    for (int k = 0; k < renewer.count; k++) {
                        assertThat(benchmark.eureka(eureka, renewer))
                                .as("renew %d", k)
                                .isTrue();
                    }
                }
            }
        } finally {
            eureka.tearDown();
        }
    }

    /** JMH's parameters of thread {@code index} of {@link #THREADS}, one group. */
    private static ThreadParams thread(int index) {
        ThreadParams params = new ThreadParams(index, THREADS, 0, 1, 0, 1, index, THREADS, index, THREADS);
        assertThat(params.getThreadIndex()).isEqualTo(index);
        assertThat(params.getThreadCount()).isEqualTo(THREADS);
        return params;
    }
}
