package dev.agentmanager.testkit;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentHealth;
import dev.agentmanager.model.AgentLiveness;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Capability;
import dev.agentmanager.model.CertificatePin;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.TokenRedemption;
import dev.agentmanager.model.TokenScope;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Valid sample values for tests: registration tokens, agents and their certificates, redemptions.
 *
 * <p>Every value is consistent the way the manager would produce it (an agent pins exactly the certificate
 * it comes with, version 1, PENDING, awaiting its first heartbeat) and uses only millisecond-precision
 * instants, so that any store can round-trip it exactly. Serials and thumbprints are unique within a JVM
 * run (and random across runs).
 *
 * <pre>{@code
 * RegistrationToken token = TestAgents.token("tok-001", now).maxUses(3).build();
 * TestAgents.NewAgent a = TestAgents.newAgent("agent-001", now);
 * store.insertToken(token);
 * store.registerAgent(token.id(), TestAgents.redemption(a.agent().id(), now), now, a.agent(), a.certificate());
 * }</pre>
 */
public final class TestAgents {

    /** Token lifetime unless set otherwise. */
    public static final Duration TOKEN_TIME_TO_LIVE = Duration.ofHours(24);
    /** Certificate lifetime unless set otherwise. */
    public static final Duration CERTIFICATE_LIFETIME = Duration.ofHours(24);
    /** How long a new agent has for its first heartbeat unless set otherwise. */
    public static final Duration FIRST_HEARTBEAT_TIMEOUT = Duration.ofSeconds(90);

    private static final AtomicLong SERIALS =
            new AtomicLong(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 60));

    private TestAgents() {}

    /** An agent and the certificate it pins, ready for {@code IAgentStore.registerAgent}. */
    public record NewAgent(Agent agent, AgentCertificate certificate) {
        public NewAgent {
            requireNonNull(agent, "agent");
            requireNonNull(certificate, "certificate");
        }
    }

    // ---- tokens ----------------------------------------------------------------------------------------

    /** A builder for a one-time, unused token created at {@code createdAt}, expiring a day later. */
    public static TokenBuilder token(String id, Instant createdAt) {
        return new TokenBuilder(id, createdAt);
    }

    /** A one-time, unused, unrevoked token created at {@code createdAt}, expiring a day later. */
    public static RegistrationToken oneTimeToken(String id, Instant createdAt) {
        return token(id, createdAt).build();
    }

    /** A redemption at {@code at} by {@code agentId}, with a key hash derived from the agent id. */
    public static TokenRedemption redemption(String agentId, Instant at) {
        return new TokenRedemption(at, agentId, sha256Hex("key of " + agentId), "192.0.2.10");
    }

    // ---- certificates ----------------------------------------------------------------------------------

    /** A fresh, unrevoked certificate for {@code agentId} valid for a day from {@code notBefore}. */
    public static AgentCertificate certificate(String agentId, Instant notBefore) {
        return certificate(agentId, nextSerial(), notBefore, notBefore.plus(CERTIFICATE_LIFETIME));
    }

    /** A certificate with the given serial and validity; the thumbprint follows from the serial. */
    public static AgentCertificate certificate(String agentId, String serial, Instant notBefore, Instant notAfter) {
        String der = "FAKE CERTIFICATE serial=" + serial + " subject=" + agentId;
        return new AgentCertificate(
                serial,
                sha256Hex(der),
                agentId,
                notBefore,
                notAfter,
                FakeCertificateService.pem(der.getBytes(StandardCharsets.UTF_8)),
                null);
    }

    /** A serial never returned before in this JVM: positive, lower-case hex, no leading zeros. */
    public static String nextSerial() {
        return Long.toHexString(SERIALS.getAndIncrement());
    }

    // ---- agents ----------------------------------------------------------------------------------------

    /**
     * A freshly registered agent (PENDING, version 1, deadline {@link #FIRST_HEARTBEAT_TIMEOUT} after
     * {@code registeredAt}) with a new certificate.
     */
    public static NewAgent newAgent(String id, Instant registeredAt) {
        AgentCertificate certificate = certificate(id, registeredAt);
        return new NewAgent(
                agent(id, registeredAt).certificate(certificate.pin()).build(), certificate);
    }

    /**
     * A builder for an agent registered at {@code registeredAt}: PENDING, version 1, capabilities
     * {@code docker 24.0.7} and {@code compose 2.24}, label {@code env=test}, a certificate pin of its own.
     */
    public static AgentBuilder agent(String id, Instant registeredAt) {
        return new AgentBuilder(id, registeredAt);
    }

    // ---- builders --------------------------------------------------------------------------------------

    /** Builder for {@link RegistrationToken}. */
    public static final class TokenBuilder {
        private final String id;
        private final Instant createdAt;
        private String secretHash;
        private String description;
        private Instant expiresAt;
        private Map<String, String> labels = new LinkedHashMap<>();
        private Set<String> allowedCapabilities = new LinkedHashSet<>();
        private int maxUses = 1;
        private final List<TokenRedemption> redemptions = new ArrayList<>();
        private int failedAttempts;
        private @Nullable Instant revokedAt;

        private TokenBuilder(String id, Instant createdAt) {
            this.id = requireNonNull(id, "id");
            this.createdAt = requireNonNull(createdAt, "createdAt");
            this.secretHash = sha256Hex("secret of " + id);
            this.description = "test token " + id;
            this.expiresAt = createdAt.plus(TOKEN_TIME_TO_LIVE);
        }

        public TokenBuilder description(String description) {
            this.description = requireNonNull(description, "description");
            return this;
        }

        public TokenBuilder secretHash(String secretHash) {
            this.secretHash = requireNonNull(secretHash, "secretHash");
            return this;
        }

        public TokenBuilder expiresAt(Instant expiresAt) {
            this.expiresAt = requireNonNull(expiresAt, "expiresAt");
            return this;
        }

        public TokenBuilder label(String key, String value) {
            labels.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
            return this;
        }

        public TokenBuilder allowCapabilities(String... names) {
            for (String name : names) {
                allowedCapabilities.add(requireNonNull(name, "name"));
            }
            return this;
        }

        public TokenBuilder maxUses(int maxUses) {
            this.maxUses = maxUses;
            return this;
        }

        public TokenBuilder redemption(TokenRedemption redemption) {
            redemptions.add(requireNonNull(redemption, "redemption"));
            return this;
        }

        public TokenBuilder failedAttempts(int failedAttempts) {
            this.failedAttempts = failedAttempts;
            return this;
        }

        public TokenBuilder revokedAt(Instant revokedAt) {
            this.revokedAt = requireNonNull(revokedAt, "revokedAt");
            return this;
        }

        public RegistrationToken build() {
            return new RegistrationToken(
                    id,
                    secretHash,
                    description,
                    createdAt,
                    expiresAt,
                    new TokenScope(labels, allowedCapabilities),
                    maxUses,
                    redemptions,
                    failedAttempts,
                    revokedAt);
        }
    }

    /** Builder for {@link Agent}. */
    public static final class AgentBuilder {
        private final String id;
        private final Instant registeredAt;
        private String name;
        private AgentStatus status = AgentStatus.PENDING;
        private @Nullable InactiveReason inactiveReason;
        private Set<Capability> capabilities =
                Set.of(Capability.of("docker", "24.0.7"), Capability.of("compose", "2.24"));
        private Set<String> allowedCapabilities = Set.of();
        private Map<String, String> labels = Map.of("env", "test");
        private @Nullable String agentVersion = "1.0.0";
        private AgentHealth health = AgentHealth.UNKNOWN;
        private @Nullable CertificatePin certificate;
        private @Nullable CertificatePin nextCertificate;
        private Instant statusChangedAt;
        private @Nullable String registrationTokenId;
        private long version = 1;
        private AgentLiveness liveness;

        private AgentBuilder(String id, Instant registeredAt) {
            this.id = requireNonNull(id, "id");
            this.registeredAt = requireNonNull(registeredAt, "registeredAt");
            this.name = "name of " + id;
            this.statusChangedAt = registeredAt;
            this.liveness = AgentLiveness.awaitingFirstHeartbeat(registeredAt.plus(FIRST_HEARTBEAT_TIMEOUT));
        }

        public AgentBuilder name(String name) {
            this.name = requireNonNull(name, "name");
            return this;
        }

        /** Status other than INACTIVE. */
        public AgentBuilder status(AgentStatus status) {
            this.status = requireNonNull(status, "status");
            this.inactiveReason = null;
            return this;
        }

        /** INACTIVE with this reason. */
        public AgentBuilder inactive(InactiveReason reason) {
            this.status = AgentStatus.INACTIVE;
            this.inactiveReason = requireNonNull(reason, "reason");
            return this;
        }

        public AgentBuilder capabilities(Capability... capabilities) {
            this.capabilities = Set.of(capabilities);
            return this;
        }

        public AgentBuilder capabilities(Set<Capability> capabilities) {
            this.capabilities = Set.copyOf(capabilities);
            return this;
        }

        /** The capability names the agent may declare (its token's scope); empty, the default, for any. */
        public AgentBuilder allowedCapabilities(String... names) {
            this.allowedCapabilities = Set.of(names);
            return this;
        }

        public AgentBuilder allowedCapabilities(Set<String> names) {
            this.allowedCapabilities = Set.copyOf(names);
            return this;
        }

        public AgentBuilder labels(Map<String, String> labels) {
            this.labels = Map.copyOf(labels);
            return this;
        }

        public AgentBuilder agentVersion(@Nullable String agentVersion) {
            this.agentVersion = agentVersion;
            return this;
        }

        public AgentBuilder health(AgentHealth health) {
            this.health = requireNonNull(health, "health");
            return this;
        }

        public AgentBuilder certificate(CertificatePin certificate) {
            this.certificate = requireNonNull(certificate, "certificate");
            return this;
        }

        public AgentBuilder nextCertificate(@Nullable CertificatePin nextCertificate) {
            this.nextCertificate = nextCertificate;
            return this;
        }

        public AgentBuilder statusChangedAt(Instant statusChangedAt) {
            this.statusChangedAt = requireNonNull(statusChangedAt, "statusChangedAt");
            return this;
        }

        public AgentBuilder registrationTokenId(@Nullable String registrationTokenId) {
            this.registrationTokenId = registrationTokenId;
            return this;
        }

        public AgentBuilder version(long version) {
            this.version = version;
            return this;
        }

        public AgentBuilder liveness(AgentLiveness liveness) {
            this.liveness = requireNonNull(liveness, "liveness");
            return this;
        }

        /** Liveness of an agent that has not sent a heartbeat and must check in by {@code deadline}. */
        public AgentBuilder deadline(Instant deadline) {
            this.liveness = AgentLiveness.awaitingFirstHeartbeat(deadline);
            return this;
        }

        /** Builds the agent; without an explicit certificate pin it gets a fresh one. */
        public Agent build() {
            CertificatePin pin = certificate != null
                    ? certificate
                    : TestAgents.certificate(id, registeredAt).pin();
            return new Agent(
                    id,
                    name,
                    status,
                    inactiveReason,
                    capabilities,
                    allowedCapabilities,
                    labels,
                    agentVersion,
                    health,
                    pin,
                    nextCertificate,
                    registeredAt,
                    statusChangedAt,
                    registrationTokenId,
                    version,
                    liveness);
        }
    }

    static String sha256Hex(String s) {
        return FakeCertificateService.sha256Hex(s.getBytes(StandardCharsets.UTF_8));
    }
}
