package dev.agentmanager.model;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An agent as the orchestrator knows it: durable state plus its {@link AgentLiveness liveness}.
 *
 * <p>Durable state changes rarely (status, capabilities, certificates) and every change bumps
 * {@link #version()}, which stores use for optimistic concurrency. Liveness changes with every heartbeat
 * and does not touch the version.
 *
 * @param id the agent's identity, decided by the server at registration and never reused
 * @param name a human-readable name chosen at registration
 * @param status lifecycle status
 * @param inactiveReason why the agent is inactive; non-null exactly when {@code status} is INACTIVE
 * @param capabilities what the agent can run; when {@code allowedCapabilities} is not empty, every name is in it
 * @param allowedCapabilities the capability names the agent may ever declare, empty for any: the
 *     {@link TokenScope#allowedCapabilities() scope} of the token it registered with, kept for its lifetime
 *     (re-enrollment keeps it too) so that heartbeats cannot claim more than the operator granted
 * @param labels key/value labels (from its registration token's scope and its registration request)
 * @param agentVersion the agent software's version as last reported, or {@code null}
 * @param health the health the agent last reported
 * @param certificate the client certificate the agent currently presents
 * @param nextCertificate a renewed certificate issued but not yet presented, or {@code null}; the first
 *     heartbeat that presents it promotes it to {@code certificate} and the old one stops working
 * @param registeredAt when the agent registered
 * @param statusChangedAt when {@code status} last changed
 * @param registrationTokenId the id of the token the agent registered with, or {@code null}
 * @param version optimistic-concurrency version of the durable state, starting at 1
 * @param liveness heartbeat bookkeeping
 */
public record Agent(
        String id,
        String name,
        AgentStatus status,
        @Nullable InactiveReason inactiveReason,
        Set<Capability> capabilities,
        Set<String> allowedCapabilities,
        Map<String, String> labels,
        @Nullable String agentVersion,
        AgentHealth health,
        CertificatePin certificate,
        @Nullable CertificatePin nextCertificate,
        Instant registeredAt,
        Instant statusChangedAt,
        @Nullable String registrationTokenId,
        long version,
        AgentLiveness liveness) {

    public Agent {
        requireNonNull(id, "id");
        requireNonNull(name, "name");
        requireNonNull(status, "status");
        capabilities = Set.copyOf(requireNonNull(capabilities, "capabilities"));
        allowedCapabilities = Set.copyOf(requireNonNull(allowedCapabilities, "allowedCapabilities"));
        labels = Map.copyOf(requireNonNull(labels, "labels"));
        requireNonNull(health, "health");
        requireNonNull(certificate, "certificate");
        requireNonNull(registeredAt, "registeredAt");
        requireNonNull(statusChangedAt, "statusChangedAt");
        requireNonNull(liveness, "liveness");
        if ((status == AgentStatus.INACTIVE) != (inactiveReason != null)) {
            throw new IllegalArgumentException(
                    "inactiveReason must be set exactly when status is INACTIVE, got " + status + "/" + inactiveReason);
        }
        if (!allowedCapabilities.isEmpty()) {
            for (Capability c : capabilities) {
                if (!allowedCapabilities.contains(c.name())) {
                    throw new IllegalArgumentException("capability '" + c.name()
                            + "' is not among the allowed capabilities " + allowedCapabilities);
                }
            }
        }
        if (version < 1) {
            throw new IllegalArgumentException("version must be >= 1, got " + version);
        }
    }

    /** The capability with this name, if the agent has it. */
    public Optional<Capability> capability(String name) {
        for (Capability c : capabilities) {
            if (c.name().equals(name)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** Whether the agent has a capability with this name at or above {@code minimumVersion}. */
    public boolean hasCapability(String name, @Nullable String minimumVersion) {
        for (Capability c : capabilities) {
            if (c.name().equals(name) && c.satisfies(minimumVersion)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the agent may declare a capability with this name (its allowed set is empty or holds it). */
    public boolean allowsCapability(String name) {
        return allowedCapabilities.isEmpty() || allowedCapabilities.contains(name);
    }

    /** A copy in another status. {@code reason} must be non-null exactly for INACTIVE. */
    public Agent withStatus(AgentStatus newStatus, @Nullable InactiveReason reason, Instant at) {
        return new Agent(
                id,
                name,
                newStatus,
                reason,
                capabilities,
                allowedCapabilities,
                labels,
                agentVersion,
                health,
                certificate,
                nextCertificate,
                registeredAt,
                at,
                registrationTokenId,
                version,
                liveness);
    }

    /**
     * A copy with other capabilities (the allowed set stays).
     *
     * @throws IllegalArgumentException if one of them is not allowed ({@link #allowsCapability})
     */
    public Agent withCapabilities(Set<Capability> newCapabilities) {
        return new Agent(
                id,
                name,
                status,
                inactiveReason,
                newCapabilities,
                allowedCapabilities,
                labels,
                agentVersion,
                health,
                certificate,
                nextCertificate,
                registeredAt,
                statusChangedAt,
                registrationTokenId,
                version,
                liveness);
    }

    /** A copy with another reported health and agent version. */
    public Agent withReport(AgentHealth newHealth, @Nullable String newAgentVersion) {
        return new Agent(
                id,
                name,
                status,
                inactiveReason,
                capabilities,
                allowedCapabilities,
                labels,
                newAgentVersion,
                newHealth,
                certificate,
                nextCertificate,
                registeredAt,
                statusChangedAt,
                registrationTokenId,
                version,
                liveness);
    }

    /** A copy with other pinned certificates. */
    public Agent withCertificates(CertificatePin current, @Nullable CertificatePin next) {
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
                current,
                next,
                registeredAt,
                statusChangedAt,
                registrationTokenId,
                version,
                liveness);
    }

    /** A copy with another version; stores use this when they write an update. */
    public Agent withVersion(long newVersion) {
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
                certificate,
                nextCertificate,
                registeredAt,
                statusChangedAt,
                registrationTokenId,
                newVersion,
                liveness);
    }

    /** A copy with other liveness; stores use this to merge their liveness bookkeeping into a read. */
    public Agent withLiveness(AgentLiveness newLiveness) {
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
                certificate,
                nextCertificate,
                registeredAt,
                statusChangedAt,
                registrationTokenId,
                version,
                newLiveness);
    }
}
