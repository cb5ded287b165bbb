package dev.agentmanager.store.inmemory;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.model.AgentCertificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The certificate records, by serial and by agent, kept as the authority gave them. Every write happens under
 * the store's write lock (the caller holds it); reads take no lock and see each record whole.
 */
final class CertificateTable {
    private final ConcurrentHashMap<String, AgentCertificate> bySerial = new ConcurrentHashMap<>();
    /** Serials per agent, oldest first; each list is immutable and replaced on write. */
    private final ConcurrentHashMap<String, List<String>> serialsByAgent = new ConcurrentHashMap<>();

    boolean contains(String serial) {
        return bySerial.containsKey(serial);
    }

    void insert(AgentCertificate certificate) {
        if (bySerial.putIfAbsent(certificate.serial(), certificate) != null) {
            throw new IllegalStateException("a certificate with serial " + certificate.serial() + " exists");
        }
        List<String> serials = new ArrayList<>(serialsByAgent.getOrDefault(certificate.agentId(), List.of()));
        serials.add(certificate.serial());
        // oldest first; a stable sort keeps insertion order among equal start times
        serials.sort(Comparator.comparing(s -> requireNonNull(bySerial.get(s)).notBefore()));
        serialsByAgent.put(certificate.agentId(), List.copyOf(serials));
    }

    Optional<AgentCertificate> find(String serial) {
        return Optional.ofNullable(bySerial.get(serial));
    }

    List<AgentCertificate> ofAgent(String agentId) {
        List<String> serials = serialsByAgent.getOrDefault(agentId, List.of());
        List<AgentCertificate> certificates = new ArrayList<>(serials.size());
        for (String serial : serials) {
            certificates.add(bySerial.get(serial));
        }
        return certificates;
    }

    List<String> revokeAll(String agentId, Instant revokedAt) {
        List<String> revoked = new ArrayList<>(2);
        for (String serial : serialsByAgent.getOrDefault(agentId, List.of())) {
            if (revoke(serial, revokedAt)) {
                revoked.add(serial);
            }
        }
        return revoked;
    }

    boolean revoke(String serial, Instant revokedAt) {
        AgentCertificate certificate = bySerial.get(serial);
        if (certificate == null || certificate.revokedAt() != null) {
            return false;
        }
        bySerial.put(serial, certificate.withRevokedAt(revokedAt));
        return true;
    }

    int size() {
        return bySerial.size();
    }
}
