package dev.agentmanager.store.inmemory;

import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificatePin;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A certificate record stored compactly: the thumbprint as four words (inherited from {@link Thumbprint}: the
 * record is its own key in the store's thumbprint index), validity as primitive fields, the body as
 * {@link CertificateBodies} keeps it (a standard PEM as its compressed DER, restored exactly on read), and a
 * link to the agent's next record so that an agent's certificates need no list object. The same record serves
 * as the agent's certificate pin; a pin that matches no stored record gets a detached record without PEM.
 *
 * <p>Immutable but for {@link #revokedAt} and {@link #nextOfAgent}, which only the store's write lock writes.
 */
final class CertificateRecord extends Thumbprint {
    final String serial;
    final String agentId;
    final long notBeforeSecond;
    final int notBeforeNano;
    final long notAfterSecond;
    final int notAfterNano;
    /** The body as {@link CertificateBodies#compact} keeps it (String or byte[]), or null for a pin alone. */
    private final @Nullable Object pem;
    private volatile @Nullable Instant revokedAt;
    /** The agent's next newer record; written under the store's write lock. */
    volatile @Nullable CertificateRecord nextOfAgent;

    private CertificateRecord(String serial, String thumbprint, String agentId, Instant notBefore, Instant notAfter,
            @Nullable Object pem, @Nullable Instant revokedAt) {
        super(thumbprint);
        this.serial = serial;
        this.agentId = agentId;
        this.notBeforeSecond = notBefore.getEpochSecond();
        this.notBeforeNano = notBefore.getNano();
        this.notAfterSecond = notAfter.getEpochSecond();
        this.notAfterNano = notAfter.getNano();
        this.pem = pem;
        this.revokedAt = revokedAt;
    }

    /**
     * A stored certificate; {@code agentId} is the owner's id instance, to share it. Call under the store's
     * write lock (it compresses the body with {@code bodies}).
     */
    static CertificateRecord of(AgentCertificate c, String agentId, CertificateBodies bodies) {
        return new CertificateRecord(c.serial(), c.thumbprint(), agentId, c.notBefore(), c.notAfter(),
                bodies.compact(c.certificatePem(), agentId), c.revokedAt());
    }

    /** A pin that matches no stored certificate. */
    static CertificateRecord detached(CertificatePin pin, String agentId) {
        return new CertificateRecord(pin.serial(), pin.thumbprint(), agentId, pin.notBefore(), pin.notAfter(), null,
                null);
    }

    /** Whether the instant given as seconds and nanos is within validity. Allocation-free. */
    boolean isValidAt(long second, int nano) {
        boolean started = second > notBeforeSecond || (second == notBeforeSecond && nano >= notBeforeNano);
        boolean ended = second > notAfterSecond || (second == notAfterSecond && nano >= notAfterNano);
        return started && !ended;
    }

    Instant notBefore() {
        return Instant.ofEpochSecond(notBeforeSecond, notBeforeNano);
    }

    Instant notAfter() {
        return Instant.ofEpochSecond(notAfterSecond, notAfterNano);
    }

    /** Whether this record stands for exactly {@code pin}. */
    boolean matches(CertificatePin pin) {
        return serial.equals(pin.serial()) && hasThumbprint(pin.thumbprint())
                && notBeforeSecond == pin.notBefore().getEpochSecond() && notBeforeNano == pin.notBefore().getNano()
                && notAfterSecond == pin.notAfter().getEpochSecond() && notAfterNano == pin.notAfter().getNano();
    }

    /** Whether notBefore is after the other record's. */
    boolean startsAfter(CertificateRecord other) {
        return notBeforeSecond > other.notBeforeSecond
                || (notBeforeSecond == other.notBeforeSecond && notBeforeNano > other.notBeforeNano);
    }

    @Nullable Instant revokedAt() {
        return revokedAt;
    }

    /** Marks it revoked; call under the store's write lock. */
    void revoke(Instant at) {
        revokedAt = at;
    }

    CertificatePin pin() {
        return new CertificatePin(serial, thumbprint(), notBefore(), notAfter());
    }

    /** The stored certificate, its PEM restored by {@code bodies} (the store's, which compacted it). */
    AgentCertificate toCertificate(CertificateBodies bodies) {
        Object p = pem;
        return new AgentCertificate(serial, thumbprint(), agentId, notBefore(), notAfter(),
                p == null ? "" : bodies.pem(p, agentId), revokedAt);
    }
}
