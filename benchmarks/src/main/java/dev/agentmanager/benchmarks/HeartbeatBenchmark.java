package dev.agentmanager.benchmarks;

import dev.agentmanager.AgentManager;
import dev.agentmanager.AgentManagerBuilder;
import dev.agentmanager.HeartbeatProcessor;
import dev.agentmanager.HeartbeatSettings;
import dev.agentmanager.micrometer.AgentManagerMetrics;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.HeartbeatResponse;
import dev.agentmanager.store.inmemory.InMemoryAgentStore;
import dev.agentmanager.testkit.FakeCertificateService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Heartbeat throughput, in memory, over a fleet of 100,000 agents: ours through
 * {@link HeartbeatProcessor#process} (validation, lookup, revocation and certificate-pin check, certificate
 * validity, (epoch, sequence) check, conditional liveness write, renewal hint, jittered next interval) versus
 * Eureka's {@code renew} (lookup, status override rule, lease timestamp). The threads split the whole fleet
 * between them and each beats its share over and over in one fixed random order, the same order on both
 * sides: agents beat on their own schedules, so the order in which a server sees them has nothing to do with
 * the order in which they registered (and so with where their records sit in memory). Beating them in
 * registration order would let the hardware prefetcher stream the records of both sides, which no server
 * sees. The clock is the system clock on both sides.
 *
 * <p>Each call starts from the request's bytes, as a server's request decoder does: the strings the call
 * needs (ours: agent id and certificate thumbprint; Eureka: instance id) are decoded from one flat byte
 * array per thread and side, laid out in the thread's beating order and so read sequentially, like a request
 * that just arrived (in cache). Reading prebuilt {@code String} objects, or request bytes in fleet order,
 * would charge both sides cache misses on request data that no server has, and charge ours more (its
 * request is 100 bytes, Eureka's 36).
 *
 * <p>Each side's setup ends with a full collection, as {@link PeerRuns} does after building both fleets: a
 * server's registry has been through collections, and a fleet built in a few seconds otherwise lies in the old
 * generation among the promoted garbage of its own building (our fork's heap after a young collection: 140 MB
 * without the full collection, 79 MB with it). Paired forks, without and with it: ours 1.58-2.08M beats/s and
 * 1.98-2.21M (mean +9 %), Eureka 1.22-1.37M and 1.17-1.35M (mean -5 %).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HeartbeatBenchmark {
    static final int ID = 36;
    static final int REQUEST = ID + 64;

    /** Our fleet: an AgentManager over an InMemoryAgentStore, every agent ACTIVE and beating. */
    @State(Scope.Benchmark)
    public static class Ours {
        @Param("100000")
        public int agents;

        /** Whether the manager has tasks enabled (an empty in-memory task store); {@link TaskRuns} compares both. */
        boolean tasks;

        /** Whether the Micrometer binder is bound (to a SimpleMeterRegistry); {@link MetricsRuns} compares both. */
        boolean metrics;

        HeartbeatProcessor processor;
        /** Per agent: its 36-character id, then its 64-character thumbprint (ISO-8859-1). */
        byte[] requests;

        @Setup(Level.Trial)
        public void setUp() {
            Fleet.quietLogging();
            Instant now = Instant.now();
            InMemoryAgentStore store = new InMemoryAgentStore();
            Fleet.Member[] members = Fleet.register(store, agents, now, AgentStatus.ACTIVE, now.plusSeconds(90));
            requests = new byte[agents * REQUEST];
            for (int i = 0; i < agents; i++) {
                byte[] id = members[i].id().getBytes(StandardCharsets.ISO_8859_1);
                byte[] thumbprint = members[i].thumbprint().getBytes(StandardCharsets.ISO_8859_1);
                if (id.length != ID || thumbprint.length != REQUEST - ID) {
                    throw new IllegalStateException("unexpected id or thumbprint length");
                }
                System.arraycopy(id, 0, requests, i * REQUEST, ID);
                System.arraycopy(thumbprint, 0, requests, i * REQUEST + ID, REQUEST - ID);
            }
            AgentManagerBuilder builder = AgentManager.builder()
                    .store(store)
                    .certificateService(new FakeCertificateService(Clock.systemUTC()))
                    .heartbeat(HeartbeatSettings.of(Duration.ofSeconds(30), Duration.ofSeconds(90)));
            if (tasks) {
                builder.taskStore(store.taskStore());
            }
            AgentManager manager = builder.build();
            if (metrics) {
                new AgentManagerMetrics(manager).bindTo(new SimpleMeterRegistry());
            }
            processor = manager.heartbeatProcessor();
            for (Fleet.Member m : members) { // first beat of every agent: its new boot epoch
                processor.process(Heartbeat.of(m.id(), m.thumbprint(), 1, 0));
            }
            System.gc(); // the collected state (see the class doc)
        }
    }

    /**
     * One thread's share of our fleet, in beating order, and the last sequence number of each agent of it (by
     * position in the share, so read in order like the share itself: the harness adds no cache miss of its own).
     */
    @State(Scope.Thread)
    public static class OurBeater {
        /** The requests of this thread's share, in beating order: id, then thumbprint. */
        byte[] requests;

        int count;
        int next;
        long[] sequence;

        @Setup(Level.Trial)
        public void setUp(Ours ours, ThreadParams thread) {
            setUp(ours, thread.getThreadCount(), thread.getThreadIndex());
        }

        /**
         * This state for thread {@code index} of {@code threads} (also used outside JMH, by {@link PeerRuns}).
         */
        void setUp(Ours ours, int threads, int index) {
            int[] share = share(ours.agents, threads, index);
            count = share.length;
            requests = new byte[count * REQUEST];
            for (int k = 0; k < count; k++) {
                System.arraycopy(ours.requests, share[k] * REQUEST, requests, k * REQUEST, REQUEST);
            }
            sequence = new long[count];
        }
    }

    @Benchmark
    public HeartbeatResponse ours(Ours ours, OurBeater t) {
        int k = t.next;
        t.next = k + 1 < t.count ? k + 1 : 0;
        byte[] b = t.requests;
        int at = k * REQUEST;
        return ours.processor.process(Heartbeat.of(
                new String(b, at, ID, StandardCharsets.ISO_8859_1),
                new String(b, at + ID, REQUEST - ID, StandardCharsets.ISO_8859_1),
                1,
                ++t.sequence[k]));
    }

    /**
     * The agents (indices below {@code agents}) that {@code thread} beats, in its beating order: every
     * thread-count-th agent of one fixed random permutation of the fleet, so the threads' shares are disjoint
     * and cover the fleet, and both sides beat the same agents in the same order.
     */
    static int[] share(int agents, ThreadParams thread) {
        return share(agents, thread.getThreadCount(), thread.getThreadIndex());
    }

    /** {@link #share(int, ThreadParams)} for thread {@code index} of {@code threads}. */
    static int[] share(int agents, int threads, int index) {
        int[] order = new int[agents];
        for (int i = 0; i < agents; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(0x5EED);
        for (int i = agents - 1; i > 0; i--) { // Fisher-Yates
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        int[] share = new int[(agents - index + threads - 1) / threads];
        for (int k = 0; k < share.length; k++) {
            share[k] = order[index + k * threads];
        }
        return share;
    }

    /** Eureka's registry with the same number of instances, each with a 90 s lease. */
    @State(Scope.Benchmark)
    public static class Eureka {
        @Param("100000")
        public int agents;

        EurekaRegistry registry;
        /** Instance ids, ISO-8859-1, back to back; instance i's starts at offsets[i] and ends at offsets[i + 1]. */
        byte[] ids;

        int[] offsets;

        @Setup(Level.Trial)
        public void setUp() {
            registry = EurekaRegistry.create();
            registry.registerFleet(agents);
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            offsets = new int[agents + 1];
            for (int i = 0; i < agents; i++) {
                offsets[i] = all.size();
                all.writeBytes(EurekaRegistry.id(i).getBytes(StandardCharsets.ISO_8859_1));
            }
            offsets[agents] = all.size();
            ids = all.toByteArray();
            System.gc(); // the collected state (see the class doc)
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            registry.shutdown();
        }
    }

    /** One thread's share of Eureka's fleet, in the same order as {@link OurBeater}'s. */
    @State(Scope.Thread)
    public static class EurekaRenewer {
        /** The instance ids of this thread's share, in renewing order, back to back (see {@link Eureka#ids}). */
        byte[] ids;

        int[] offsets;
        int count;
        int next;

        @Setup(Level.Trial)
        public void setUp(Eureka eureka, ThreadParams thread) {
            setUp(eureka, thread.getThreadCount(), thread.getThreadIndex());
        }

        /** This state for thread {@code index} of {@code threads} (also used outside JMH, by {@link PeerRuns}). */
        void setUp(Eureka eureka, int threads, int index) {
            int[] share = share(eureka.agents, threads, index);
            count = share.length;
            offsets = new int[count + 1];
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            for (int k = 0; k < count; k++) {
                offsets[k] = all.size();
                int from = eureka.offsets[share[k]];
                all.write(eureka.ids, from, eureka.offsets[share[k] + 1] - from);
            }
            offsets[count] = all.size();
            ids = all.toByteArray();
        }
    }

    @Benchmark
    public boolean eureka(Eureka eureka, EurekaRenewer t) {
        int k = t.next;
        t.next = k + 1 < t.count ? k + 1 : 0;
        int from = t.offsets[k];
        String id = new String(t.ids, from, t.offsets[k + 1] - from, StandardCharsets.ISO_8859_1);
        return eureka.registry.renew(EurekaRegistry.APP, id, false);
    }
}
