package dev.agentmanager.store.inmemory;

import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificatePin;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * A certificate record stored compactly: validity as primitive fields, the PEM as its DER bytes when it is the
 * standard encoding of them (restored exactly on read), and a link to the agent's next record so that an
 * agent's certificates need no list object. The same record serves as the agent's certificate pin; a pin
 * that matches no stored record gets a detached record without PEM.
 *
 * <p>Immutable but for {@link #revokedAt} and {@link #nextOfAgent}, which only the store's write lock writes.
 */
final class CertificateRecord {
    private static final String BEGIN = "-----BEGIN CERTIFICATE-----\n";
    private static final String END = "\n-----END CERTIFICATE-----\n";
    private static final Base64.Encoder MIME = Base64.getMimeEncoder(64, new byte[] {'\n'});

    final String serial;
    final String thumbprint;
    /** The thumbprint's four 64-bit words when it is 64 hex digits (it always is when core stored it). */
    final boolean hexThumbprint;
    final long t0;
    final long t1;
    final long t2;
    final long t3;
    final String agentId;
    final long notBeforeSecond;
    final int notBeforeNano;
    final long notAfterSecond;
    final int notAfterNano;
    /** The PEM as given (String), its DER (byte[]) when re-encoding reproduces it, or null for a pin alone. */
    private final @Nullable Object pem;
    private volatile @Nullable Instant revokedAt;
    /** The agent's next newer record; written under the store's write lock. */
    volatile @Nullable CertificateRecord nextOfAgent;

    private CertificateRecord(String serial, String thumbprint, String agentId, Instant notBefore, Instant notAfter,
            @Nullable Object pem, @Nullable Instant revokedAt) {
        this.serial = serial;
        this.thumbprint = thumbprint;
        this.hexThumbprint = Keys.isThumbprint(thumbprint);
        this.t0 = hexThumbprint ? Keys.thumbprintWord(thumbprint, 0) : 0;
        this.t1 = hexThumbprint ? Keys.thumbprintWord(thumbprint, 1) : 0;
        this.t2 = hexThumbprint ? Keys.thumbprintWord(thumbprint, 2) : 0;
        this.t3 = hexThumbprint ? Keys.thumbprintWord(thumbprint, 3) : 0;
        this.agentId = agentId;
        this.notBeforeSecond = notBefore.getEpochSecond();
        this.notBeforeNano = notBefore.getNano();
        this.notAfterSecond = notAfter.getEpochSecond();
        this.notAfterNano = notAfter.getNano();
        this.pem = pem;
        this.revokedAt = revokedAt;
    }

    /** A stored certificate; {@code agentId} is the owner's id instance, to share it. */
    static CertificateRecord of(AgentCertificate c, String agentId) {
        return new CertificateRecord(c.serial(), c.thumbprint(), agentId, c.notBefore(), c.notAfter(),
                compact(c.certificatePem()), c.revokedAt());
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
        return serial.equals(pin.serial()) && thumbprint.equals(pin.thumbprint())
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
        return new CertificatePin(serial, thumbprint, notBefore(), notAfter());
    }

    AgentCertificate toCertificate() {
        return new AgentCertificate(serial, thumbprint, agentId, notBefore(), notAfter(), pemString(), revokedAt);
    }

    private String pemString() {
        Object p = pem;
        if (p instanceof byte[] der) {
            return BEGIN + MIME.encodeToString(der) + END;
        }
        return p == null ? "" : (String) p;
    }

    /** The DER bytes if {@code pem} is exactly their standard PEM encoding, else {@code pem} itself. */
    static Object compact(String pem) {
        if (!pem.startsWith(BEGIN) || !pem.endsWith(END) || pem.length() <= BEGIN.length() + END.length()) {
            return pem;
        }
        String body = pem.substring(BEGIN.length(), pem.length() - END.length());
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            return pem;
        }
        byte[] reencoded = MIME.encode(der);
        return Arrays.equals(reencoded, body.getBytes(StandardCharsets.ISO_8859_1)) ? der : pem;
    }
}
