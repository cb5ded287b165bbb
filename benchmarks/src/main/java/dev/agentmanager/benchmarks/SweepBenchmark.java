package dev.agentmanager.benchmarks;

import dev.agentmanager.AgentManager;
import dev.agentmanager.HeartbeatProcessor;
import dev.agentmanager.HeartbeatSettings;
import dev.agentmanager.HeartbeatTimeoutMonitor;
import dev.agentmanager.SelfPreservation;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.store.inmemory.InMemoryAgentStore;
import dev.agentmanager.testkit.FakeCertificateService;
import dev.agentmanager.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One timeout sweep over a fleet of 10k, 100k or 1M agents of which about 0.1 % are overdue.
 *
 * <p><b>Ours</b> runs {@link HeartbeatTimeoutMonitor#runOnce()} in a steady state simulated with a controllable
 * clock: every agent beats every 30 s (timeout 90 s) in one of 30 cohorts, through the full heartbeat path,
 * its deadlines spread over the 90 s as in a fleet that registered over time (see {@link Ours#firstBeat});
 * every second about 0.1 % of the fleet misses four beats in a row and comes back afterwards (reactivated by its
 * heartbeat). Before each measured sweep the clock moves one second and that second's cohort beats, so the sweep
 * finds the agents that went overdue in that second (≈ 0.1 % of the fleet) and also pays for the deadline
 * index's lazy re-filing of the entries whose bucket it passes. Self-preservation is off on both sides.
 *
 * <p>The secondary results {@code expired} and {@code sweeps} count what the measured sweeps did; the suite
 * divides by them to report microseconds per expired agent, the figure that should stay flat as the fleet grows
 * (the overdue share is fixed, so the expiries per sweep grow with the fleet).
 *
 * <p><b>Eureka</b> runs {@code evict()}, its eviction pass (every 60 s by default), over the same number of
 * registered instances of which 0.1 % have a lapsed lease (re-registered before each pass with a 0 s lease).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class SweepBenchmark {
    static final int COHORTS = 30;
    /** About one agent in FAIL_ONE_IN of a cohort starts missing beats each second: 1/30/33 ≈ 0.1 % of the fleet. */
    static final int FAIL_ONE_IN = 33;

    static final int MISSED_ROUNDS = 4;

    @State(Scope.Benchmark)
    public static class Ours {
        @Param({"10000", "100000", "1000000"})
        public int agents;

        MutableClock clock;
        Instant start;
        /** The fleet's manager (the smoke test reads the agents' statuses through it). */
        AgentManager manager;

        HeartbeatProcessor processor;
        HeartbeatTimeoutMonitor monitor;
        Fleet.Member[] members;
        long[] sequence;
        int second;
        long sweeps;
        long expired;

        @Setup(Level.Trial)
        public void setUp() {
            Fleet.quietLogging();
            start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            clock = MutableClock.at(start);
            InMemoryAgentStore store = new InMemoryAgentStore();
            // Agent i beats on the seconds equal to i mod 30 (its cohort), from second 30 + (i mod 90) on, and its
            // first deadline is 90 s after that first beat: the agents' deadlines are spread over the 90 s, as in
            // a fleet that registered over time, so each sweep re-files the third of the just-beaten cohort whose
            // deadline it reaches. (Registered with one deadline and beating from the start, the whole fleet
            // stays in step: all re-filing falls in 30 of every 90 sweeps.)
            members = Fleet.register(
                    store, agents, start, AgentStatus.ACTIVE, i -> start.plusSeconds(firstBeat(i) + 90), true);
            sequence = new long[agents];
            manager = AgentManager.builder()
                    .store(store)
                    .clock(clock)
                    .certificateService(new FakeCertificateService(clock))
                    .heartbeat(new HeartbeatSettings(Duration.ofSeconds(30), Duration.ofSeconds(90), 0))
                    .selfPreservation(SelfPreservation.disabled())
                    .sweepBatchSize(Math.max(10_000, agents / 100))
                    .build();
            processor = manager.heartbeatProcessor();
            monitor = manager.timeoutMonitor();
            monitor.runOnce(); // the first sweep grants grace
            for (int s = 0; s < 10 * COHORTS; s++) { // 300 simulated seconds: first beats, failures, comebacks
                advance();
                monitor.runOnce();
            }
            sweeps = 0;
            expired = 0;
        }

        /** Moves the clock to the next second, lets that second's cohort beat, and stops half a second later. */
        void advance() {
            second++;
            clock.set(start.plusSeconds(second));
            int cohort = second % COHORTS;
            int round = second / COHORTS;
            for (int i = cohort; i < agents; i += COHORTS) {
                if (second < firstBeat(i) || missing(i, round)) {
                    continue;
                }
                Fleet.Member m = members[i];
                processor.process(Heartbeat.of(m.id(), m.thumbprint(), 1, ++sequence[i]));
            }
            clock.set(start.plusSeconds(second).plusMillis(500));
        }

        /** The second of agent i's first beat: one of its cohort's, 30 to 119 s from the start. */
        static int firstBeat(int i) {
            return COHORTS + i % (3 * COHORTS);
        }

        /** Whether agent i (in its cohort's round {@code round}) is in one of its MISSED_ROUNDS silent rounds. */
        static boolean missing(int i, int round) {
            for (int r = round; r > round - MISSED_ROUNDS && r >= 1; r--) {
                if (Math.floorMod(i / COHORTS + r * 7919, FAIL_ONE_IN) == 0) {
                    return true;
                }
            }
            return false;
        }

        @Setup(Level.Invocation)
        public void nextSecond() {
            advance();
        }

        @TearDown(Level.Trial)
        public void report() {
            System.out.printf(
                    "%n[ours %d agents] %d sweeps, %.1f agents expired per sweep (%.3f %% of the fleet)%n",
                    agents,
                    sweeps,
                    (double) expired / Math.max(1, sweeps),
                    100.0 * expired / Math.max(1, sweeps) / agents);
        }
    }

    /**
     * Per-iteration counts of the measured sweeps (JMH secondary results {@code expired} and {@code sweeps}), so
     * that the suite can report the cost per expired agent: score × sweeps / expired.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Expiries {
        public long expired;
        public long sweeps;

        @Setup(Level.Iteration)
        public void reset() {
            expired = 0;
            sweeps = 0;
        }
    }

    @Benchmark
    public int ours(Ours ours, Expiries counts) {
        HeartbeatTimeoutMonitor.SweepResult r = ours.monitor.runOnce();
        ours.sweeps++;
        ours.expired += r.expired();
        counts.sweeps++;
        counts.expired += r.expired();
        return r.expired();
    }

    @State(Scope.Benchmark)
    public static class Eureka {
        @Param({"10000", "100000", "1000000"})
        public int agents;

        EurekaRegistry registry;
        int overdue;
        long passes;
        long before;
        long evicted;

        @Setup(Level.Trial)
        public void setUp() {
            registry = EurekaRegistry.create();
            registry.registerFleet(agents);
            overdue = Math.max(1, agents / 1000);
        }

        @Setup(Level.Invocation)
        public void lapse() {
            for (int i = 0; i < overdue; i++) {
                int k = (int) (i * 1000L % agents); // the same instances each pass: the fleet stays whole
                registry.register(EurekaRegistry.instance(EurekaRegistry.id(k), 0), 0, false);
            }
            LockSupport.parkNanos(2_000_000); // a 0 s lease lapses after the next millisecond
            before = registry.getLocalRegistrySize();
        }

        @TearDown(Level.Invocation)
        public void count() {
            passes++;
            evicted += before - registry.getLocalRegistrySize();
        }

        @TearDown(Level.Trial)
        public void report() {
            System.out.printf(
                    "%n[eureka %d instances] %d passes, %.1f evicted per pass%n",
                    agents, passes, (double) evicted / Math.max(1, passes));
            registry.shutdown();
        }
    }

    @Benchmark
    public void eureka(Eureka eureka) {
        eureka.registry.evict();
    }
}
