package dev.agentmanager.store.jdbc;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.TokenRedemption;
import java.time.Instant;
import java.util.Optional;

/**
 * Registration and re-enrollment: the token use, the agent and its certificate record in one transaction, so
 * that of racing registrations for a token's last use exactly one writes anything.
 */
final class Registrations {
    private final Jdbc db;
    private final TokenRecords tokens;
    private final AgentRecords agents;
    private final CertificateRecords certificates;
    private final HeartbeatPath heartbeats;

    Registrations(
            Jdbc db,
            TokenRecords tokens,
            AgentRecords agents,
            CertificateRecords certificates,
            HeartbeatPath heartbeats) {
        this.db = db;
        this.tokens = tokens;
        this.agents = agents;
        this.certificates = certificates;
        this.heartbeats = heartbeats;
    }

    boolean register(
            String tokenId, TokenRedemption redemption, Instant now, Agent agent, AgentCertificate certificate) {
        requireNonNull(tokenId, "tokenId");
        requireNonNull(redemption, "redemption");
        requireNonNull(now, "now");
        requireNonNull(agent, "agent");
        requireNonNull(certificate, "certificate");
        if (agent.version() != 1) {
            throw new IllegalArgumentException("a new agent has version 1, got " + agent.version());
        }
        requireStorableIds(agent);
        Jdbc.requireStorableId("redemption agent id", redemption.agentId());
        if (!certificate.agentId().equals(agent.id())) {
            throw new IllegalArgumentException("certificate " + certificate.serial() + " belongs to "
                    + certificate.agentId() + ", not " + agent.id());
        }
        return db.transaction(
                "register agent",
                "agent id or certificate serial already exists: " + agent.id() + ", " + certificate.serial(),
                c -> {
                    if (!tokens.consume(c, tokenId, redemption, now)) {
                        return false;
                    }
                    agents.insert(c, agent);
                    certificates.insert(c, certificate);
                    return true;
                });
    }

    Optional<Agent> reenroll(
            String tokenId,
            TokenRedemption redemption,
            Instant now,
            Agent updated,
            long expectedVersion,
            AgentCertificate certificate) {
        requireNonNull(tokenId, "tokenId");
        requireNonNull(redemption, "redemption");
        requireNonNull(now, "now");
        requireNonNull(updated, "updated");
        requireNonNull(certificate, "certificate");
        if (!certificate.agentId().equals(updated.id())) {
            throw new IllegalArgumentException("certificate " + certificate.serial() + " belongs to "
                    + certificate.agentId() + ", not " + updated.id());
        }
        requireStorableIds(updated);
        Jdbc.requireStorableId("redemption agent id", redemption.agentId());
        String id = updated.id();
        long newVersion = expectedVersion + 1;
        return heartbeats.writingDurable(
                "re-enroll agent",
                "certificate serial already exists: " + certificate.serial(),
                id,
                newVersion,
                null,
                c -> {
                    if (!tokens.consume(c, tokenId, redemption, now)) {
                        return Optional.<Agent>empty();
                    }
                    Optional<Agent> agent = agents.writeDurable(c, updated, expectedVersion, newVersion, null);
                    if (agent.isEmpty()) {
                        c.rollback(); // the version moved: nothing at all is written, the token stays usable
                        return agent;
                    }
                    certificates.insert(c, certificate);
                    return agent;
                });
    }

    private static void requireStorableIds(Agent agent) {
        Jdbc.requireStorableId("agent id", agent.id());
        Jdbc.requireStorableId("registration token id", agent.registrationTokenId());
    }
}
