package dev.agentmanager.benchmarks;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentHealth;
import dev.agentmanager.model.AgentLiveness;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Capability;
import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.TokenRedemption;
import dev.agentmanager.model.TokenScope;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import dev.agentmanager.spi.IAgentStore;

/**
 * Builds fleets the way {@code AgentManager.register} leaves them in a store: a server-chosen UUID id, three
 * capabilities, two labels, an agent version, one pinned certificate whose record holds a PEM of the length a
 * BouncyCastle P-256 certificate has, and a one-time registration token (pruned afterwards, as the timeout
 * monitor does once the token's retention has passed). Registering through the store directly skips only the
 * crypto, which {@code RegistrationBenchmark} measures on its own.
 */
final class Fleet {
    /** Length of the PEM of an agent certificate issued by the BouncyCastle CA (EC P-256 key, P-256 CA). */
    static final int PEM_LENGTH = 700;
    static final Set<Capability> CAPABILITIES =
            Set.of(Capability.of("docker", "24.0.7"), Capability.of("compose", "2.24"), Capability.of("helm", "3.14.2"));
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
        Member[] members = new Member[count];
        Instant notBefore = now.minus(Duration.ofHours(1));
        Instant notAfter = now.plus(CERTIFICATE_LIFETIME);
        for (int i = 0; i < count; i++) {
            String id = UUID.randomUUID().toString();
            String serial = String.format(Locale.ROOT, "%032x", (long) i * 0x9E3779B97F4A7C15L ^ 0x5DEECE66DL);
            String thumbprint = sha256Like(i);
            AgentCertificate certificate = new AgentCertificate(serial, thumbprint, id, notBefore, notAfter, pem(i),
                    null);
            String tokenId = "tok" + Long.toHexString(0x1000_0000_0000L + i);
            Agent agent = new Agent(id, "agent-" + i, status, null, CAPABILITIES, LABELS, "1.42.0",
                    AgentHealth.HEALTHY, certificate.pin(), null, now, now, tokenId, 1,
                    AgentLiveness.awaitingFirstHeartbeat(deadline));
            RegistrationToken token = new RegistrationToken(tokenId, sha256Like(-1 - i), "bench", now,
                    now.plus(Duration.ofHours(1)), TokenScope.UNRESTRICTED, 1, List.of(), 0, null);
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

    /** A distinct PEM-shaped string of {@link #PEM_LENGTH} characters. */
    static String pem(int i) {
        StringBuilder sb = new StringBuilder(PEM_LENGTH);
        sb.append("-----BEGIN CERTIFICATE-----\n");
        String body = sha256Like(i);
        int end = PEM_LENGTH - "-----END CERTIFICATE-----\n".length();
        int col = 0;
        while (sb.length() < end) {
            if (col == 64) {
                sb.append('\n');
                col = 0;
            } else {
                sb.append(body.charAt(sb.length() % 64));
                col++;
            }
        }
        sb.setLength(end);
        sb.append("-----END CERTIFICATE-----\n");
        return sb.toString();
    }
}
