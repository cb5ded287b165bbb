package dev.agentmanager.benchmarks;

import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService;
import dev.agentmanager.ca.bouncycastle.client.AgentKeys;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentHealth;
import dev.agentmanager.model.AgentLiveness;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Capability;
import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.TokenRedemption;
import dev.agentmanager.model.TokenScope;
import dev.agentmanager.spi.IAgentStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.IntFunction;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Builds fleets the way {@code AgentManager.register} leaves them in a store: a server-chosen UUID id, three
 * capabilities, two labels, an agent version, one pinned certificate with its record and PEM, and a one-time
 * registration token (pruned afterwards, as the timeout monitor does once the token's retention has passed).
 * Registering through the store directly skips only the crypto, which {@code RegistrationBenchmark} measures on
 * its own.
 *
 * <h2>Certificates</h2>
 * Issuing a million real certificates would take minutes, so every agent stores a copy of one real certificate
 * of the BouncyCastle CA (defaults: EC P-256 CA and agent key, issued once per JVM): its own copy of the PEM
 * text (a distinct string of the same size, as a real fleet's are), with a serial and a SHA-256-like thumbprint
 * of its own. Stores keep certificate bodies as given and never parse them, so size, not content, is what
 * matters here.
 */
final class Fleet {
    static final Set<Capability> CAPABILITIES = Set.of(
            Capability.of("docker", "24.0.7"), Capability.of("compose", "2.24"), Capability.of("helm", "3.14.2"));
    static final Map<String, String> LABELS = Map.of("env", "prod", "region", "eu-west-1");
    static final Duration CERTIFICATE_LIFETIME = Duration.ofDays(30);

    private Fleet() {}

    /** The store-side identity of agent {@code i}: its id and the SHA-256 thumbprint it presents. */
    record Member(String id, String thumbprint) {}

    /** Silences INFO logging of the library (one line per registration on the console otherwise). */
    static void quietLogging() {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(Level.WARNING);
        java.util.logging.ConsoleHandler h = new java.util.logging.ConsoleHandler();
        h.setLevel(Level.WARNING);
        root.addHandler(h);
    }

    /**
     * Registers {@code count} agents in {@code store} at {@code now}, each with status {@code status} and its
     * first-heartbeat deadline {@code deadline}, then prunes the used tokens.
     */
    static Member[] register(IAgentStore store, int count, Instant now, AgentStatus status, Instant deadline) {
        return register(store, count, now, status, deadline, true);
    }

    /**
     * As {@link #register(IAgentStore, int, Instant, AgentStatus, Instant)}; without {@code pems} the
     * certificates carry an empty PEM (everything else unchanged), to measure the store without their bodies.
     */
    static Member[] register(
            IAgentStore store, int count, Instant now, AgentStatus status, Instant deadline, boolean pems) {
        return register(store, count, now, status, i -> deadline, pems);
    }

    /**
     * As {@link #register(IAgentStore, int, Instant, AgentStatus, Instant, boolean)}, with agent {@code i}'s
     * first-heartbeat deadline {@code deadline.apply(i)}.
     */
    static Member[] register(
            IAgentStore store,
            int count,
            Instant now,
            AgentStatus status,
            IntFunction<Instant> deadline,
            boolean pems) {
        Member[] members = new Member[count];
        Instant notBefore = now.minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MINUTES);
        Instant notAfter = now.plus(CERTIFICATE_LIFETIME).truncatedTo(ChronoUnit.MINUTES);
        String pem = samplePem();
        SplittableRandom random = new SplittableRandom(0x5EED);
        for (int i = 0; i < count; i++) {
            String id = new UUID(
                            (random.nextLong() & ~0xF000L) | 0x4000L,
                            (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L)
                    .toString();
            String body = pems ? new String(pem.getBytes(StandardCharsets.US_ASCII), StandardCharsets.US_ASCII) : "";
            AgentCertificate certificate = new AgentCertificate(
                    String.format(Locale.ROOT, "4%031x", i), sha256Like(i), id, notBefore, notAfter, body, null);
            String thumbprint = certificate.thumbprint();
            String tokenId = "tok" + Long.toHexString(0x1000_0000_0000L + i);
            Agent agent = new Agent(
                    id,
                    "agent-" + i,
                    status,
                    null,
                    CAPABILITIES,
                    Set.of(),
                    LABELS,
                    "1.42.0",
                    AgentHealth.HEALTHY,
                    certificate.pin(),
                    null,
                    now,
                    now,
                    tokenId,
                    1,
                    AgentLiveness.awaitingFirstHeartbeat(deadline.apply(i)));
            RegistrationToken token = new RegistrationToken(
                    tokenId,
                    sha256Like(-1 - i),
                    "bench",
                    now,
                    now.plus(Duration.ofHours(1)),
                    TokenScope.UNRESTRICTED,
                    1,
                    List.of(),
                    0,
                    null);
            store.insertToken(token);
            TokenRedemption redemption = new TokenRedemption(now, id, sha256Like(-1_000_000_000 - i), "10.0.0.1");
            if (!store.registerAgent(tokenId, redemption, now, agent, certificate)) {
                throw new IllegalStateException("registration " + i + " refused");
            }
            members[i] = new Member(id, thumbprint);
        }
        store.pruneTokens(now.plus(Duration.ofDays(1)), Integer.MAX_VALUE);
        return members;
    }

    private static @Nullable String samplePem;

    /** One real agent certificate of the BouncyCastle CA with its defaults, issued once per JVM. */
    static synchronized String samplePem() {
        if (samplePem == null) {
            BouncyCastleCertificateService ca =
                    BouncyCastleCertificateService.builder().build();
            String agentId = UUID.randomUUID().toString();
            byte[] csr = AgentKeys.csrPem(AgentKeys.generate(), agentId).getBytes(StandardCharsets.US_ASCII);
            samplePem = ca.issue(agentId, ca.decodeRequest(csr)).certificatePem();
        }
        return samplePem;
    }

    /** 64 lower-case hex characters, distinct per {@code i}. */
    static String sha256Like(int i) {
        long a = mix(i);
        long b = mix(a);
        long c = mix(b);
        long d = mix(c);
        return String.format(Locale.ROOT, "%016x%016x%016x%016x", a, b, c, d);
    }

    private static long mix(long z) {
        z = (z + 0x9E3779B97F4A7C15L) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
