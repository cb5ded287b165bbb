package dev.agentmanager.benchmarks;

import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.store.inmemory.InMemoryAgentStore;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.Locale;

/**
 * Heap per agent: the in-memory store holding N agents registered the way {@code AgentManager.register}
 * leaves them ({@link Fleet}: UUID id, name, 3 capabilities, 2 labels, version, certificate pin and the
 * certificate record with a realistic PEM of the BouncyCastle CA, about 745 characters, token id; the
 * one-time tokens pruned) versus Eureka's
 * registry holding N bare instances, in the same JVM: (heap used after full GC with the fleet) minus (before)
 * divided by N. Run it with a serial collector and enough heap, as {@link BenchmarkSuite} does.
 *
 * The figure without certificate bodies comes from a second fleet whose certificates carry an empty PEM.
 *
 * <p>Prints {@code RESULT <key> <value>} lines. Arguments: agents (default 1,000,000); {@code histogram} as
 * the second argument prints the live-object class histogram of a store holding the fleet instead.
 */
public final class MemoryFootprint {
    private MemoryFootprint() {}

    static volatile Object keep;

    public static void main(String[] args) throws Exception {
        Fleet.quietLogging();
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;

        // warm both code paths (class loading, interned statics) so the baselines include them
        InMemoryAgentStore warm = new InMemoryAgentStore();
        Fleet.register(
                warm, 100, Instant.now(), AgentStatus.ACTIVE, Instant.now().plusSeconds(90));
        EurekaRegistry warmEureka = EurekaRegistry.create();
        warmEureka.registerFleet(100);

        if (args.length > 1 && args[1].equals("histogram")) {
            InMemoryAgentStore store = new InMemoryAgentStore();
            Fleet.register(
                    store,
                    agents,
                    Instant.now(),
                    AgentStatus.ACTIVE,
                    Instant.now().plusSeconds(90));
            keep = store;
            printHistogram();
            System.exit(0);
        }
        double ours = perAgent(agents, true);
        double withoutBodies = perAgent(agents, false);
        System.out.printf(
                Locale.ROOT,
                "ours: %,d agents, %.0f bytes/agent, %.0f without the certificate bodies%n",
                agents,
                ours,
                withoutBodies);

        long before = usedAfterGc();
        EurekaRegistry registry = EurekaRegistry.create();
        registry.registerFleet(agents);
        keep = registry;
        long after = usedAfterGc();
        double eureka = (after - before) / (double) agents;
        System.out.printf(
                Locale.ROOT, "eureka: %,d instances, %,d bytes, %.0f bytes/instance%n", agents, after - before, eureka);
        System.out.printf(
                Locale.ROOT,
                "RESULT memory.ours %.1f%nRESULT memory.ours.withoutPem %.1f%nRESULT memory.eureka %.1f%n",
                ours,
                withoutBodies,
                eureka);
        keep = null;
        registry.shutdown();
        warmEureka.shutdown();
        System.exit(0);
    }

    /** Heap per agent of a store holding {@code agents} fleet agents, with or without their certificate PEMs. */
    private static double perAgent(int agents, boolean pems) throws InterruptedException {
        long before = usedAfterGc();
        InMemoryAgentStore store = new InMemoryAgentStore();
        Instant now = Instant.now();
        Fleet.register(store, agents, now, AgentStatus.ACTIVE, now.plusSeconds(90), pems);
        keep = store;
        long after = usedAfterGc();
        keep = null;
        return (after - before) / (double) agents;
    }

    /** The top of the live-object class histogram of this JVM, through the JDK's {@code jcmd}. */
    private static void printHistogram() throws java.io.IOException {
        Process jcmd = new ProcessBuilder(
                        "jcmd", Long.toString(ProcessHandle.current().pid()), "GC.class_histogram")
                .redirectErrorStream(true)
                .start();
        try (var lines = jcmd.inputReader().lines()) {
            lines.limit(30).forEach(System.out::println);
        }
    }

    static long usedAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(
                    used,
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
