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

    private final ConcurrentHashMap<String, String> serialByThumbprint = new ConcurrentHashMap<>();
    /** Serials in the order they were revoked: the revocation feed, its position an index. */
    private final List<String> revocations = new ArrayList<>();

    boolean contains(String serial) {
        return bySerial.containsKey(serial);
    }

    void insert(AgentCertificate certificate) {
        if (bySerial.putIfAbsent(certificate.serial(), certificate) != null) {
            throw new IllegalStateException("a certificate with serial " + certificate.serial() + " exists");
        }
        serialByThumbprint.put(certificate.thumbprint(), certificate.serial());
        List<String> serials = new ArrayList<>(serialsByAgent.getOrDefault(certificate.agentId(), List.of()));
        serials.add(certificate.serial());
        // oldest first; a stable sort keeps insertion order among equal start times
        serials.sort(Comparator.comparing(s -> requireNonNull(bySerial.get(s)).notBefore()));
        serialsByAgent.put(certificate.agentId(), List.copyOf(serials));
    }

    Optional<AgentCertificate> find(String serial) {
        return Optional.ofNullable(bySerial.get(serial));
    }

    Optional<AgentCertificate> findByThumbprint(String thumbprint) {
        String serial = serialByThumbprint.get(thumbprint);
        return serial == null ? Optional.empty() : find(serial);
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
        synchronized (revocations) {
            revocations.add(serial);
        }
        return true;
    }

    List<AgentCertificate> revokedExpiringAfter(Instant expiringAfter) {
        List<AgentCertificate> revoked = new ArrayList<>();
        for (AgentCertificate certificate : revokedFrom(0)) {
            if (certificate.notAfter().isAfter(expiringAfter)) {
                revoked.add(certificate);
            }
        }
        return revoked;
    }

    long feedPosition() {
        synchronized (revocations) {
            return revocations.size();
        }
    }

    /** The certificates revoked at or after {@code position}: indexes into the revocation order. */
    List<AgentCertificate> revokedFrom(long position) {
        List<String> serials;
        synchronized (revocations) {
            int from = (int) Math.max(0, Math.min(position, revocations.size()));
            serials = List.copyOf(revocations.subList(from, revocations.size()));
        }
        List<AgentCertificate> revoked = new ArrayList<>(serials.size());
        for (String serial : serials) {
            revoked.add(requireNonNull(bySerial.get(serial)));
        }
        return revoked;
    }

    int size() {
        return bySerial.size();
    }
}
