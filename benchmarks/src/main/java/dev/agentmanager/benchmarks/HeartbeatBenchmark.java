package dev.agentmanager.benchmarks;

import dev.agentmanager.AgentManager;
import dev.agentmanager.HeartbeatProcessor;
import dev.agentmanager.HeartbeatSettings;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.HeartbeatResponse;
import dev.agentmanager.store.inmemory.InMemoryAgentStore;
import dev.agentmanager.testkit.FakeCertificateService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * Heartbeat throughput, in memory, over a fleet of 100,000 agents: ours through
 * {@link HeartbeatProcessor#process} (validation, lookup, revocation and certificate-pin check, certificate
 * validity, (epoch, sequence) check, conditional liveness write, renewal hint, jittered next interval) versus
 * Eureka's {@code renew} (lookup, status override rule, lease timestamp). Each thread beats its own share of
 * the fleet round-robin, like a fleet whose agents beat on their own schedules; the clock is the system
 * clock on both sides.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HeartbeatBenchmark {

    /** Our fleet: an AgentManager over an InMemoryAgentStore, every agent ACTIVE and beating. */
    @State(Scope.Benchmark)
    public static class Ours {
        @Param("100000")
        public int agents;

        HeartbeatProcessor processor;
        Fleet.Member[] members;
        final AtomicInteger threads = new AtomicInteger();

        @Setup(Level.Trial)
        public void setUp() {
            Fleet.quietLogging();
            Instant now = Instant.now();
            InMemoryAgentStore store = InMemoryAgentStore.builder().expectedAgents(agents).build();
            members = Fleet.register(store, agents, now, AgentStatus.ACTIVE, now.plusSeconds(90));
            AgentManager manager = AgentManager.builder()
                    .store(store)
                    .certificateService(new FakeCertificateService(Clock.systemUTC()))
                    .heartbeat(HeartbeatSettings.of(Duration.ofSeconds(30), Duration.ofSeconds(90)))
                    .build();
            processor = manager.heartbeatProcessor();
            for (Fleet.Member m : members) { // first beat of every agent: its new boot epoch
                processor.process(Heartbeat.of(m.id(), m.thumbprint(), 1, 0));
            }
        }
    }

    /** One thread's share of our fleet and the next sequence number of each of its agents. */
    @State(Scope.Thread)
    public static class OurBeater {
        int next;
        int from;
        int step;
        long[] sequence;

        @Setup(Level.Trial)
        public void setUp(Ours ours) {
            from = ours.threads.getAndIncrement();
            step = 4; // agents i with i % 4 == from: disjoint shares for up to 4 threads
            next = from;
            sequence = new long[ours.agents];
        }
    }

    @Benchmark
    public HeartbeatResponse ours(Ours ours, OurBeater t) {
        int i = t.next;
        Fleet.Member m = ours.members[i];
        HeartbeatResponse r = ours.processor.process(Heartbeat.of(m.id(), m.thumbprint(), 1, ++t.sequence[i]));
        i += t.step;
        t.next = i < ours.agents ? i : t.from;
        return r;
    }

    /** Eureka's registry with the same number of instances, each with a 90 s lease. */
    @State(Scope.Benchmark)
    public static class Eureka {
        @Param("100000")
        public int agents;

        EurekaRegistry registry;
        String[] ids;
        final AtomicInteger threads = new AtomicInteger();

        @Setup(Level.Trial)
        public void setUp() {
            registry = EurekaRegistry.create();
            registry.registerFleet(agents);
            ids = new String[agents];
            for (int i = 0; i < agents; i++) {
                ids[i] = EurekaRegistry.id(i);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            registry.shutdown();
        }
    }

    @State(Scope.Thread)
    public static class EurekaRenewer {
        int next;
        int from;

        @Setup(Level.Trial)
        public void setUp(Eureka eureka) {
            from = eureka.threads.getAndIncrement();
            next = from;
        }
    }

    @Benchmark
    public boolean eureka(Eureka eureka, EurekaRenewer t) {
        int i = t.next;
        boolean renewed = eureka.registry.renew(EurekaRegistry.APP, eureka.ids[i], false);
        i += 4;
        t.next = i < eureka.agents ? i : t.from;
        return renewed;
    }
}
