package dev.agentmanager.store.inmemory;

import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificatePin;
import java.time.Instant;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * A certificate record stored compactly: the thumbprint as four words (inherited from {@link Thumbprint}: the
 * record is its own key in the store's thumbprint index), a canonical hex serial as two words, validity as whole
 * seconds (anything rarer, such as a fraction of a second, in one side object), the body as
 * {@link CertificateBodies} keeps it (a standard PEM as its compressed DER less the fields this record holds,
 * restored exactly on read), and a link to the agent's next record so that an agent's certificates need no
 * list object. The same record serves as the agent's certificate pin; a pin that matches no stored record gets
 * a detached record without PEM.
 *
 * <p>Immutable but for the revocation (in {@link #irregular}, replaced whole) and {@link #nextOfAgent}, which
 * only the store's write lock writes.
 */
final class CertificateRecord extends Thumbprint {
    /**
     * The serial when it is canonical hex (lower case, 1 to 32 digits, no leading zero: what the CA issues), as
     * its high and low 64 bits; {@link #irregular} holds any other serial.
     */
    private final long serialHigh;
    private final long serialLow;
    /**
     * Whose certificate this is: the {@link AgentEntry} of its agent id when the record was made for that
     * entry (registration, insertion for an existing agent, the entry's pins), else the agent id itself. Holding
     * the entry saves the id string, which a UUID-id entry does not keep either ({@link AgentEntry#id}), and
     * takes thumbprint lookups straight to the agent.
     */
    private final Object owner;
    /** Whether this is a stored certificate (in the store's {@link CertificateTable}), not a detached pin. */
    final boolean stored;
    final long notBeforeSecond;
    final long notAfterSecond;
    /**
     * What certificates rarely have, in one object so that the common record pays one field for all of it (and
     * fits in 96 bytes): a serial that is not canonical hex, a thumbprint that is not 64 lower-case hex digits,
     * validity instants with a fraction of a second (X.509 validity is whole seconds), a revocation. Null when
     * none applies. Replaced whole on revocation (under the store's write lock); what identifies the record
     * never changes.
     */
    private volatile @Nullable Irregular irregular;
    /** The body as {@link CertificateBodies#compact} keeps it (String or byte[]), or null for a pin alone. */
    private final @Nullable Object pem;
    /** The agent's next newer record; written under the store's write lock. */
    volatile @Nullable CertificateRecord nextOfAgent;

    private CertificateRecord(String serial, String thumbprint, Object owner, Instant notBefore, Instant notAfter,
            @Nullable Object pem, @Nullable Instant revokedAt, boolean stored) {
        super(thumbprint);
        this.stored = stored;
        boolean hex = isCanonicalHex(serial);
        this.serialHigh = hex ? Keys.hex(serial, 0, Math.max(0, serial.length() - 16)) : 0;
        this.serialLow = hex ? Keys.hex(serial, Math.max(0, serial.length() - 16), serial.length()) : 0;
        this.owner = owner;
        this.notBeforeSecond = notBefore.getEpochSecond();
        this.notAfterSecond = notAfter.getEpochSecond();
        String oddSerial = hex ? null : serial;
        String oddThumbprint = hexThumbprint ? null : thumbprint;
        this.irregular = oddSerial == null && oddThumbprint == null && notBefore.getNano() == 0
                && notAfter.getNano() == 0 && revokedAt == null ? null
                : new Irregular(oddSerial, oddThumbprint, notBefore.getNano(), notAfter.getNano(), revokedAt);
        this.pem = pem;
    }

    /**
     * A stored certificate of {@code owner}: the entry of agent {@code c.agentId()}, or when there is none (or
     * the certificate names another agent than the entry it is stored with) that agent id. Call under the
     * store's write lock (it compresses the body with {@code bodies}).
     */
    static CertificateRecord of(AgentCertificate c, Object owner, CertificateBodies bodies) {
        String agentId = owner instanceof AgentEntry e ? e.id() : (String) owner;
        return new CertificateRecord(c.serial(), c.thumbprint(), owner, c.notBefore(), c.notAfter(),
                bodies.compact(c.certificatePem(), agentId, new DerFields.Known(c.serial(), c.notBefore(),
                        c.notAfter())), c.revokedAt(), true);
    }

    /** A pin of {@code owner} that matches no stored certificate of it. */
    static CertificateRecord detached(CertificatePin pin, AgentEntry owner) {
        return new CertificateRecord(pin.serial(), pin.thumbprint(), owner, pin.notBefore(), pin.notAfter(), null,
                null, false);
    }

    /** The agent id of the certificate. */
    String agentId() {
        return owner instanceof AgentEntry e ? e.id() : (String) owner;
    }

    /** The entry the record was made for, or null when it holds only an agent id ({@link #agentId()}). */
    @Nullable AgentEntry entry() {
        return owner instanceof AgentEntry e ? e : null;
    }

    /** Whether this is a certificate of the agent of entry {@code e}. Allocation-free. */
    boolean belongsTo(AgentEntry e) {
        return owner == e || (owner instanceof String id && e.hasId(id));
    }

    /** The rare parts of a record ({@link #irregular}); a null string means the usual form is held. */
    private record Irregular(@Nullable String serial, @Nullable String thumbprint, int notBeforeNano,
            int notAfterNano, @Nullable Instant revokedAt) {}

    @Override
    @Nullable String text() {
        Irregular i = irregular;
        return i == null ? null : i.thumbprint();
    }

    /** The serial as given when it is not canonical hex, else null. */
    private @Nullable String serialText() {
        Irregular i = irregular;
        return i == null ? null : i.serial();
    }

    int notBeforeNano() {
        Irregular i = irregular;
        return i == null ? 0 : i.notBeforeNano();
    }

    int notAfterNano() {
        Irregular i = irregular;
        return i == null ? 0 : i.notAfterNano();
    }

    Instant notBefore() {
        return Instant.ofEpochSecond(notBeforeSecond, notBeforeNano());
    }

    Instant notAfter() {
        return Instant.ofEpochSecond(notAfterSecond, notAfterNano());
    }

    /** The serial, exactly as it was given. */
    String serial() {
        String text = serialText();
        if (text != null) {
            return text;
        }
        return serialHigh == 0 ? Long.toHexString(serialLow)
                : Long.toHexString(serialHigh) + HexFormat.of().toHexDigits(serialLow);
    }

    /** Whether the serial is {@code s}. Allocation-free. */
    boolean hasSerial(String s) {
        String text = serialText();
        if (text != null) {
            return text.equals(s);
        }
        return isCanonicalHex(s) && serialHigh == Keys.hex(s, 0, Math.max(0, s.length() - 16))
                && serialLow == Keys.hex(s, Math.max(0, s.length() - 16), s.length());
    }

    /** The hash of the serial for {@link CertificateTable}: {@link #serialHash(String)} of {@link #serial()}. */
    int serialHash() {
        String text = serialText();
        return text != null ? Keys.mix(text.hashCode()) : Keys.mix(serialHigh * 0x9E3779B97F4A7C15L ^ serialLow);
    }

    /** The hash {@link CertificateTable} files a record with serial {@code s} under. Allocation-free. */
    static int serialHash(String s) {
        if (!isCanonicalHex(s)) {
            return Keys.mix(s.hashCode());
        }
        long high = Keys.hex(s, 0, Math.max(0, s.length() - 16));
        long low = Keys.hex(s, Math.max(0, s.length() - 16), s.length());
        return Keys.mix(high * 0x9E3779B97F4A7C15L ^ low);
    }

    /** Whether {@code s} is lower-case hex of 1 to 32 digits without a leading zero ("0" itself included). */
    private static boolean isCanonicalHex(String s) {
        int n = s.length();
        return n > 0 && n <= 32 && (n == 1 || s.charAt(0) != '0') && Keys.isLowerHex(s, 0, n);
    }

    /** Whether this record stands for exactly {@code pin}. */
    boolean matches(CertificatePin pin) {
        return hasSerial(pin.serial()) && hasThumbprint(pin.thumbprint())
                && notBeforeSecond == pin.notBefore().getEpochSecond() && notBeforeNano() == pin.notBefore().getNano()
                && notAfterSecond == pin.notAfter().getEpochSecond() && notAfterNano() == pin.notAfter().getNano();
    }

    /** Whether notBefore is after the other record's. */
    boolean startsAfter(CertificateRecord other) {
        return notBeforeSecond > other.notBeforeSecond
                || (notBeforeSecond == other.notBeforeSecond && notBeforeNano() > other.notBeforeNano());
    }

    @Nullable Instant revokedAt() {
        Irregular i = irregular;
        return i == null ? null : i.revokedAt();
    }

    /** Marks it revoked; call under the store's write lock. */
    void revoke(Instant at) {
        Irregular i = irregular;
        irregular = i == null ? new Irregular(null, null, 0, 0, at)
                : new Irregular(i.serial(), i.thumbprint(), i.notBeforeNano(), i.notAfterNano(), at);
    }

    CertificatePin pin() {
        return new CertificatePin(serial(), thumbprint(), notBefore(), notAfter());
    }

    /** The stored certificate, its PEM restored by {@code bodies} (the store's, which compacted it). */
    AgentCertificate toCertificate(CertificateBodies bodies) {
        Object p = pem;
        String agentId = agentId();
        String serial = serial();
        Instant notBefore = notBefore();
        Instant notAfter = notAfter();
        return new AgentCertificate(serial, thumbprint(), agentId, notBefore, notAfter,
                p == null ? "" : bodies.pem(p, agentId, new DerFields.Known(serial, notBefore, notAfter)),
                revokedAt());
    }
}
