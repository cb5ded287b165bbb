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
import dev.agentmanager.spi.IAgentStore;

/**
 * Builds fleets the way {@code AgentManager.register} leaves them in a store: a server-chosen UUID id, three
 * capabilities, two labels, an agent version, one pinned certificate with its record and PEM, and a one-time
 * registration token (pruned afterwards, as the timeout monitor does once the token's retention has passed).
 * Registering through the store directly skips only the crypto, which {@code RegistrationBenchmark} measures on
 * its own.
 *
 * <h2>Certificates</h2>
 * Issuing a million real certificates would take minutes, so each agent's certificate is one real certificate
 * of the BouncyCastle CA (defaults: EC P-256 CA and agent key, issued once per JVM for a UUID agent id) with
 * its per-agent fields made anew ({@link CertificateTemplate}): the serial's bytes (127 bits as the CA draws
 * them), the agent id in the subject CN and in the {@code urn:agent:} URI SAN (the agent's UUID), the public
 * key (a distinct point of P-256 per agent, {@link CurvePoints}), the 20-byte subject key identifier (the SHA-1
 * of that key, as the CA makes it), the seconds digits of notBefore and notAfter, and the ECDSA signature
 * (r and s uniform below the group order, DER-encoded, so its length varies as a real one's). The result is
 * PEM-encoded the way the CA does it ({@code Pem.encode}). The signature does not verify (the store never
 * verifies one), but size, structure and entropy are those of the certificates a real fleet stores: every key
 * is a valid curve point, as a generated key is. The {@link AgentCertificate} matches the made certificate:
 * serial in the CA's hex, thumbprint the SHA-256 of the DER, validity that of the patched times. The
 * certificates' random fields come from a source of their own, so the agent ids do not depend on them.
 */
final class Fleet {
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
        return register(store, count, now, status, deadline, true);
    }

    /**
     * As {@link #register(IAgentStore, int, Instant, AgentStatus, Instant)}; without {@code pems} the
     * certificates carry an empty PEM (everything else unchanged), to measure the store without their bodies.
     */
    static Member[] register(IAgentStore store, int count, Instant now, AgentStatus status, Instant deadline,
            boolean pems) {
        return register(store, count, now, status, i -> deadline, pems);
    }

    /**
     * As {@link #register(IAgentStore, int, Instant, AgentStatus, Instant, boolean)}, with agent {@code i}'s
     * first-heartbeat deadline {@code deadline.apply(i)}.
     */
    static Member[] register(IAgentStore store, int count, Instant now, AgentStatus status,
            IntFunction<Instant> deadline, boolean pems) {
        Member[] members = new Member[count];
        Instant notBefore = now.minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MINUTES);
        Instant notAfter = now.plus(CERTIFICATE_LIFETIME).truncatedTo(ChronoUnit.MINUTES);
        CertificateTemplate template = CertificateTemplate.get().at(notBefore, notAfter);
        SplittableRandom random = new SplittableRandom(0x5EED);
        SplittableRandom certificates = new SplittableRandom(0xCE27);
        for (int i = 0; i < count; i++) {
            String id = new UUID((random.nextLong() & ~0xF000L) | 0x4000L,
                    (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L).toString();
            AgentCertificate certificate = template.certificate(id, certificates);
            if (!pems) {
                certificate = new AgentCertificate(certificate.serial(), certificate.thumbprint(), id,
                        certificate.notBefore(), certificate.notAfter(), "", null);
            }
            String thumbprint = certificate.thumbprint();
            String tokenId = "tok" + Long.toHexString(0x1000_0000_0000L + i);
            Agent agent = new Agent(id, "agent-" + i, status, null, CAPABILITIES, Set.of(), LABELS, "1.42.0",
                    AgentHealth.HEALTHY, certificate.pin(), null, now, now, tokenId, 1,
                    AgentLiveness.awaitingFirstHeartbeat(deadline.apply(i)));
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

}
