package dev.agentmanager.store.inmemory;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentHealth;
import dev.agentmanager.model.AgentLiveness;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Capability;
import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.TokenRedemption;
import dev.agentmanager.model.TokenScope;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * On-demand measurement of heap bytes per agent (not a test; {@code mvn verify} does not run it).
 *
 * <p>Registers agents with 3 capabilities and 2 labels (drawn from a realistic small set of variants, the way
 * a fleet looks), each through its own one-time token, then prunes the used tokens and reports the retained
 * heap per agent after full GCs: the agent entry, its indexes, and its certificate record including the PEM.
 * Arguments: {@code [agents] [pemDerBytes]} (default 1,000,000 and 512, about the DER size of an EC P-256
 * client certificate; pass 0 for a near-empty PEM to see the agent state alone). The DER bytes here are
 * random, which does not compress: the certificate figure is an upper bound. Real EC P-256 certificates of
 * one CA are kept in 97 bytes ({@code CertificateBodies}); the benchmarks' {@code MemoryFootprint} measures
 * with realistic ones.
 *
 * <pre>
 * mvn -q -pl store-inmemory test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -Xmx6g -cp store-inmemory/target/classes:store-inmemory/target/test-classes:$(cat store-inmemory/target/cp.txt) \
 *     dev.agentmanager.store.inmemory.MemoryHarness 1000000 512
 * </pre>
 */
public final class MemoryHarness {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private static final List<Set<Capability>> CAPABILITY_SETS = List.of(
            Set.of(Capability.of("docker", "24.0.7"), Capability.of("compose", "2.24.5"), Capability.of("java", "17")),
            Set.of(Capability.of("docker", "25.0.3"), Capability.of("compose", "2.24.5"), Capability.of("java", "21")),
            Set.of(Capability.of("podman", "4.9.3"), Capability.of("compose", "2.24.5"), Capability.of("java", "17")),
            Set.of(Capability.of("docker", "24.0.7"), Capability.of("kubectl", "1.29.2"), Capability.of("helm", "3.14")));
    private static final String[] ENVS = {"prod", "staging", "dev"};
    private static final String[] REGIONS = {"eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-south-1"};

    private MemoryHarness() {}

    public static void main(String[] args) {
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int derBytes = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        SplittableRandom random = new SplittableRandom(42);
        HexFormat hex = HexFormat.of();
        Base64.Encoder mime = Base64.getMimeEncoder(64, new byte[] {'\n'});

        long before = usedHeapAfterGc();
        InMemoryAgentStore store = InMemoryAgentStore.builder().expectedAgents(agents).build();
        int pemChars = 0;
        for (int i = 0; i < agents; i++) {
            String id = new UUID(random.nextLong(), random.nextLong()).toString();
            String tokenId = "tok" + i;
            Instant now = T0.plusMillis(i);
            store.insertToken(new RegistrationToken(tokenId, "00".repeat(32), "bulk", now, now.plus(Duration.ofDays(1)),
                    TokenScope.UNRESTRICTED, 1, List.of(), 0, null));

            byte[] der = new byte[derBytes];
            random.nextBytes(der);
            byte[] thumb = new byte[32];
            random.nextBytes(thumb);
            String serial = Long.toHexString(random.nextLong() | Long.MIN_VALUE) + Integer.toHexString(random.nextInt());
            String pem = "-----BEGIN CERTIFICATE-----\n" + mime.encodeToString(der) + "\n-----END CERTIFICATE-----\n";
            pemChars = pem.length();
            AgentCertificate cert = new AgentCertificate(serial, hex.formatHex(thumb), id, now,
                    now.plus(Duration.ofDays(30)), pem, null);
            Agent agent = new Agent(id, String.format("build-node-%07d", i), AgentStatus.PENDING, null,
                    CAPABILITY_SETS.get(i % CAPABILITY_SETS.size()), Set.of(),
                    Map.of("env", ENVS[i % ENVS.length], "region", REGIONS[i % REGIONS.length]), "3.2.1",
                    AgentHealth.UNKNOWN, cert.pin(), null, now, now, tokenId, 1,
                    AgentLiveness.awaitingFirstHeartbeat(now.plusSeconds(90)));
            if (!store.registerAgent(tokenId, new TokenRedemption(now, id, hex.formatHex(thumb), "10.0.0.1"), now,
                    agent, cert)) {
                throw new IllegalStateException("registration failed");
            }
        }
        long withTokens = usedHeapAfterGc();
        int pruned = 0;
        int n;
        while ((n = store.pruneTokens(T0.plus(Duration.ofDays(365)), 100_000)) > 0) {
            pruned += n;
        }
        long after = usedHeapAfterGc();

        System.out.printf("agents:                 %,d (3 capabilities, 2 labels each; %d distinct capability sets)%n",
                agents, CAPABILITY_SETS.size());
        System.out.printf("certificate PEM:        %,d chars (%d DER bytes)%n", pemChars, derBytes);
        System.out.printf("heap with used tokens:  %,d bytes per agent%n", (withTokens - before) / agents);
        System.out.printf("tokens pruned:          %,d%n", pruned);
        System.out.printf("heap per agent:         %,d bytes (agent entry + indexes + certificate record)%n",
                (after - before) / agents);
        System.out.printf("  of which certificate: ~%,d bytes (random DER, kept deflated: it does not compress)%n",
                derBytes == 0 ? 24 + 16 + ((pemChars + 7) / 8) * 8 : 16 + ((derBytes + 5 + 7) / 8) * 8);
        if (args.length > 2 && args[2].equals("histogram")) {
            printHistogram();
        }
        System.out.println(store); // keeps the store reachable until after the measurement
    }

    /** The top of the live-object class histogram, through the JDK's {@code jcmd}. */
    private static void printHistogram() {
        try {
            Process jcmd = new ProcessBuilder("jcmd", Long.toString(ProcessHandle.current().pid()),
                    "GC.class_histogram").redirectErrorStream(true).start();
            try (var lines = jcmd.inputReader().lines()) {
                lines.limit(30).forEach(System.out::println);
            }
        } catch (java.io.IOException e) {
            System.out.println("no histogram: " + e);
        }
    }

    private static long usedHeapAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            try {
                Thread.sleep(100); // lets the collector finish; this harness measures memory, not time
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
