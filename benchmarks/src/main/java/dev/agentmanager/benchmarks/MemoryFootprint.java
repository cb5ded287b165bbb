package dev.agentmanager.benchmarks;

import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.store.inmemory.InMemoryAgentStore;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.Locale;

/**
 * Heap per agent: the in-memory store holding N agents registered the way {@code AgentManager.register}
 * leaves them ({@link Fleet}: UUID id, name, 3 capabilities, 2 labels, version, certificate pin and the
 * certificate record with its ~700-character PEM, token id; the one-time tokens pruned) versus Eureka's
 * registry holding N bare instances, in the same JVM: (heap used after full GC with the fleet) minus (before)
 * divided by N. Run it with a serial collector and enough heap, as {@link BenchmarkSuite} does.
 *
 * <p>Prints {@code RESULT <key> <value>} lines. Argument: agents (default 1,000,000).
 */
public final class MemoryFootprint {
    private MemoryFootprint() {}

    static volatile Object keep;

    public static void main(String[] args) throws Exception {
        Fleet.quietLogging();
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;

        // warm both code paths (class loading, interned statics) so the baselines include them
        InMemoryAgentStore warm = InMemoryAgentStore.builder().build();
        Fleet.register(warm, 100, Instant.now(), AgentStatus.ACTIVE, Instant.now().plusSeconds(90));
        EurekaRegistry warmEureka = EurekaRegistry.create();
        warmEureka.registerFleet(100);

        long before = usedAfterGc();
        InMemoryAgentStore store = InMemoryAgentStore.builder().expectedAgents(agents).build();
        Instant now = Instant.now();
        Fleet.register(store, agents, now, AgentStatus.ACTIVE, now.plusSeconds(90));
        keep = store;
        long after = usedAfterGc();
        double ours = (after - before) / (double) agents;
        System.out.printf(Locale.ROOT, "ours: %,d agents, %,d bytes, %.0f bytes/agent (%d of them the PEM string)%n",
                agents, after - before, ours, Fleet.PEM_LENGTH + 24 + 16);
        keep = null;
        store = null;

        before = usedAfterGc();
        EurekaRegistry registry = EurekaRegistry.create();
        registry.registerFleet(agents);
        keep = registry;
        after = usedAfterGc();
        double eureka = (after - before) / (double) agents;
        System.out.printf(Locale.ROOT, "eureka: %,d instances, %,d bytes, %.0f bytes/instance%n", agents, after - before,
                eureka);
        System.out.printf(Locale.ROOT, "RESULT memory.ours %.1f%nRESULT memory.ours.withoutPem %.1f%nRESULT memory.eureka %.1f%n",
                ours, ours - (Fleet.PEM_LENGTH + 24 + 16), eureka);
        keep = null;
        registry.shutdown();
        warmEureka.shutdown();
        System.exit(0);
    }

    static long usedAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
