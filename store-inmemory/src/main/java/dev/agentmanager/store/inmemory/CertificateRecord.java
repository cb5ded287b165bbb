package dev.agentmanager.store.inmemory;

import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificatePin;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * A certificate record stored compactly: the thumbprint as four words (inherited from {@link Thumbprint}: the
 * record is its own key in the store's thumbprint index), a canonical hex serial as two words, validity as two
 * unsigned 32-bit epoch seconds (1970 to 2106; anything rarer, such as a fraction of a second, in one side
 * object), the body as {@link CertificateBodies} keeps it (a standard PEM as its split DER less the fields this
 * record holds, restored exactly on read), and a link to the agent's next record so that an agent's
 * certificates need no list object. The same record serves as the agent's certificate pin; a pin that matches
 * no stored record gets a detached record without PEM.
 *
 * <p>Three kinds, by what they hold besides the common fields ({@link #of} picks): {@link Inline}, a
 * stored certificate whose body is exactly {@link Inline#SIZE} bytes (an EC P-256 or Ed25519 certificate of
 * the template's form with its ECDSA or Ed25519 signature), held in the record's own fields so that it costs
 * no array: 176 bytes in all; {@link Kept}, a stored certificate with any other body (a string or an array),
 * 88 bytes plus the body; {@link Detached}, a pin alone, 80 bytes.
 *
 * <p>Immutable but for {@link #owner} (replaced whole on revocation) and {@link #nextOfAgent}, which only the
 * store's write lock writes.
 */
abstract sealed class CertificateRecord extends Thumbprint
        permits CertificateRecord.Inline, CertificateRecord.Kept, CertificateRecord.Detached {
    /**
     * The serial when it is canonical hex (lower case, 1 to 32 digits, no leading zero: what the CA issues), as
     * its high and low 64 bits; the {@link Irregular} part holds any other serial.
     */
    private final long serialHigh;
    private final long serialLow;
    /**
     * notBefore and notAfter as unsigned epoch seconds when they are whole seconds from 1970 to 2106 (X.509
     * validity is whole seconds), else 0 and the instant in the {@link Irregular} part.
     */
    private final int notBeforeSeconds;
    private final int notAfterSeconds;
    /**
     * Whose certificate this is: the {@link AgentEntry} of its agent id when the record was made for that
     * entry (registration, insertion for an existing agent, the entry's pins), else the agent id itself; or, for
     * a record with any of what certificates rarely have, an {@link Irregular} holding the owner and those
     * parts, so that the common record pays one field for all of it. Holding the entry saves the id string,
     * which a UUID-id entry does not keep either ({@link AgentEntry#id}), and takes thumbprint lookups straight
     * to the agent. Replaced whole on revocation (under the store's write lock); the owner never changes.
     */
    private volatile Object owner;
    /** The agent's next newer record; written under the store's write lock. */
    volatile @Nullable CertificateRecord nextOfAgent;

    private CertificateRecord(String serial, String thumbprint, Object owner, Instant notBefore, Instant notAfter,
            @Nullable Instant revokedAt) {
        super(thumbprint);
        boolean hex = isCanonicalHex(serial);
        this.serialHigh = hex ? Keys.hex(serial, 0, Math.max(0, serial.length() - 16)) : 0;
        this.serialLow = hex ? Keys.hex(serial, Math.max(0, serial.length() - 16), serial.length()) : 0;
        boolean wholeBefore = isUnsignedIntSeconds(notBefore);
        boolean wholeAfter = isUnsignedIntSeconds(notAfter);
        this.notBeforeSeconds = wholeBefore ? (int) notBefore.getEpochSecond() : 0;
        this.notAfterSeconds = wholeAfter ? (int) notAfter.getEpochSecond() : 0;
        String oddSerial = hex ? null : serial;
        String oddThumbprint = hexThumbprint ? null : thumbprint;
        Instant oddNotBefore = wholeBefore ? null : notBefore;
        Instant oddNotAfter = wholeAfter ? null : notAfter;
        this.owner = oddSerial == null && oddThumbprint == null && oddNotBefore == null && oddNotAfter == null
                && revokedAt == null ? owner
                : new Irregular(owner, oddSerial, oddThumbprint, oddNotBefore, oddNotAfter, revokedAt);
    }

    /**
     * A stored certificate of {@code owner}: the entry of agent {@code c.agentId()}, or when there is none (or
     * the certificate names another agent than the entry it is stored with) that agent id. Call under the
     * store's write lock (it compresses the body with {@code bodies}).
     */
    static CertificateRecord of(AgentCertificate c, Object owner, CertificateBodies bodies) {
        String agentId = owner instanceof AgentEntry e ? e.id() : (String) owner;
        Object body = bodies.compact(c.certificatePem(), agentId,
                new DerFields.Known(c.serial(), c.notBefore(), c.notAfter()));
        return body instanceof byte[] b && b.length == Inline.SIZE ? new Inline(c, owner, b) : new Kept(c, owner, body);
    }

    /** A pin of {@code owner} that matches no stored certificate of it. */
    static CertificateRecord detached(CertificatePin pin, AgentEntry owner) {
        return new Detached(pin, owner);
    }

    /** Whether this is a stored certificate (in the store's {@link CertificateTable}), not a detached pin. */
    abstract boolean stored();

    /** The body as {@link CertificateBodies#compact} kept it (a String or a byte[]), or null for a pin alone. */
    abstract @Nullable Object body();

    /** The agent id of the certificate. */
    String agentId() {
        Object o = owner();
        return o instanceof AgentEntry e ? e.id() : (String) o;
    }

    /** The entry the record was made for, or null when it holds only an agent id ({@link #agentId()}). */
    @Nullable AgentEntry entry() {
        return owner() instanceof AgentEntry e ? e : null;
    }

    /** Whether this is a certificate of the agent of entry {@code e}. Allocation-free. */
    boolean belongsTo(AgentEntry e) {
        Object o = owner();
        return o == e || (o instanceof String id && e.hasId(id));
    }

    /** The entry or agent id the record was made for. */
    private Object owner() {
        Object o = owner;
        return o instanceof Irregular i ? i.owner() : o;
    }

    /**
     * What certificates rarely have: a serial that is not canonical hex, a thumbprint that is not 64 lower-case
     * hex digits, validity instants that are not whole seconds from 1970 to 2106, a revocation; a null field
     * means the usual form is held. With the owner, as {@link #owner} holds it.
     */
    private record Irregular(Object owner, @Nullable String serial, @Nullable String thumbprint,
            @Nullable Instant notBefore, @Nullable Instant notAfter, @Nullable Instant revokedAt) {}

    private @Nullable Irregular irregular() {
        return owner instanceof Irregular i ? i : null;
    }

    @Override
    @Nullable String text() {
        Irregular i = irregular();
        return i == null ? null : i.thumbprint();
    }

    /** The serial as given when it is not canonical hex, else null. */
    private @Nullable String serialText() {
        Irregular i = irregular();
        return i == null ? null : i.serial();
    }

    Instant notBefore() {
        Irregular i = irregular();
        return i != null && i.notBefore() != null ? i.notBefore()
                : Instant.ofEpochSecond(Integer.toUnsignedLong(notBeforeSeconds));
    }

    Instant notAfter() {
        Irregular i = irregular();
        return i != null && i.notAfter() != null ? i.notAfter()
                : Instant.ofEpochSecond(Integer.toUnsignedLong(notAfterSeconds));
    }

    long notBeforeSecond() {
        Irregular i = irregular();
        return i != null && i.notBefore() != null ? i.notBefore().getEpochSecond()
                : Integer.toUnsignedLong(notBeforeSeconds);
    }

    long notAfterSecond() {
        Irregular i = irregular();
        return i != null && i.notAfter() != null ? i.notAfter().getEpochSecond()
                : Integer.toUnsignedLong(notAfterSeconds);
    }

    int notBeforeNano() {
        Irregular i = irregular();
        return i != null && i.notBefore() != null ? i.notBefore().getNano() : 0;
    }

    int notAfterNano() {
        Irregular i = irregular();
        return i != null && i.notAfter() != null ? i.notAfter().getNano() : 0;
    }

    /** Whether {@code t} is a whole second from 1970 to 2106, what an unsigned 32-bit count of seconds holds. */
    private static boolean isUnsignedIntSeconds(Instant t) {
        return t.getNano() == 0 && t.getEpochSecond() >= 0 && t.getEpochSecond() <= 0xFFFF_FFFFL;
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
                && notBeforeSecond() == pin.notBefore().getEpochSecond() && notBeforeNano() == pin.notBefore().getNano()
                && notAfterSecond() == pin.notAfter().getEpochSecond() && notAfterNano() == pin.notAfter().getNano();
    }

    /** Whether notBefore is after the other record's. */
    boolean startsAfter(CertificateRecord other) {
        long second = notBeforeSecond();
        long otherSecond = other.notBeforeSecond();
        return second > otherSecond || (second == otherSecond && notBeforeNano() > other.notBeforeNano());
    }

    @Nullable Instant revokedAt() {
        Irregular i = irregular();
        return i == null ? null : i.revokedAt();
    }

    /** Marks it revoked; call under the store's write lock. */
    void revoke(Instant at) {
        Object o = owner;
        owner = o instanceof Irregular i
                ? new Irregular(i.owner(), i.serial(), i.thumbprint(), i.notBefore(), i.notAfter(), at)
                : new Irregular(o, null, null, null, null, at);
    }

    CertificatePin pin() {
        return new CertificatePin(serial(), thumbprint(), notBefore(), notAfter());
    }

    /** The stored certificate, its PEM restored by {@code bodies} (the store's, which compacted it). */
    AgentCertificate toCertificate(CertificateBodies bodies) {
        Object body = body();
        String agentId = agentId();
        String serial = serial();
        Instant notBefore = notBefore();
        Instant notAfter = notAfter();
        return new AgentCertificate(serial, thumbprint(), agentId, notBefore, notAfter,
                body == null ? "" : bodies.pem(body, agentId, new DerFields.Known(serial, notBefore, notAfter)),
                revokedAt());
    }

    /**
     * A stored certificate whose body is {@link #SIZE} bytes, held as its first byte and twelve big-endian
     * words: what {@link CertificateBodies} keeps of a certificate of the template's form with a 32-byte key part
     * and a 64-byte signature part (an EC P-256 key as X, with an ECDSA P-256 signature as r || s or an Ed25519
     * one; an Ed25519 key with either). No array: its header, its reference and its padding are saved.
     */
    static final class Inline extends CertificateRecord {
        /** The body's size: the flags byte, a 32-byte key part and a 64-byte signature part. */
        static final int SIZE = 97;
        private static final VarHandle WORD = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

        private final byte flags;
        private final long w0;
        private final long w1;
        private final long w2;
        private final long w3;
        private final long w4;
        private final long w5;
        private final long w6;
        private final long w7;
        private final long w8;
        private final long w9;
        private final long w10;
        private final long w11;

        private Inline(AgentCertificate c, Object owner, byte[] body) {
            super(c.serial(), c.thumbprint(), owner, c.notBefore(), c.notAfter(), c.revokedAt());
            flags = body[0];
            w0 = word(body, 0);
            w1 = word(body, 1);
            w2 = word(body, 2);
            w3 = word(body, 3);
            w4 = word(body, 4);
            w5 = word(body, 5);
            w6 = word(body, 6);
            w7 = word(body, 7);
            w8 = word(body, 8);
            w9 = word(body, 9);
            w10 = word(body, 10);
            w11 = word(body, 11);
        }

        private static long word(byte[] body, int i) {
            return (long) WORD.get(body, 1 + 8 * i);
        }

        @Override
        boolean stored() {
            return true;
        }

        /** The body, made again as an array. */
        @Override
        byte[] body() {
            byte[] b = new byte[SIZE];
            b[0] = flags;
            long[] words = {w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11};
            for (int i = 0; i < words.length; i++) {
                WORD.set(b, 1 + 8 * i, words[i]);
            }
            return b;
        }
    }

    /** A stored certificate with its body as {@link CertificateBodies#compact} kept it: a String or a byte[]. */
    static final class Kept extends CertificateRecord {
        private final Object body;

        private Kept(AgentCertificate c, Object owner, Object body) {
            super(c.serial(), c.thumbprint(), owner, c.notBefore(), c.notAfter(), c.revokedAt());
            this.body = body;
        }

        @Override
        boolean stored() {
            return true;
        }

        @Override
        Object body() {
            return body;
        }
    }

    /** A pin that matches no stored certificate of its agent: no body. */
    static final class Detached extends CertificateRecord {
        private Detached(CertificatePin pin, AgentEntry owner) {
            super(pin.serial(), pin.thumbprint(), owner, pin.notBefore(), pin.notAfter(), null);
        }

        @Override
        boolean stored() {
            return false;
        }

        @Override
        @Nullable Object body() {
            return null;
        }
    }
}
