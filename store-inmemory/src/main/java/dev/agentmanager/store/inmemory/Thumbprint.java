package dev.agentmanager.store.inmemory;

import java.util.HexFormat;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A certificate thumbprint as a key of the store's thumbprint index: a lower-case 64-digit hex thumbprint (what
 * core stores: SHA-256) as its four 64-bit words, anything else as the string itself ({@link #text()}).
 * Equality and hash are the thumbprint's, so a probe made from a presented string ({@link #of}) finds the
 * stored key.
 *
 * <p>{@link CertificateRecord} extends this class so that every record is its own thumbprint key (in
 * {@link CertificateTable} and the store's index of detached pins) and the thumbprint costs no object of its
 * own; the hex string is materialised only on read ({@link #thumbprint()}). Where the rare non-hex string is
 * kept is the subclass's business.
 */
abstract class Thumbprint {
    /** Whether the thumbprint is 64 lower-case hex digits, held as {@link #t0}..{@link #t3}. */
    final boolean hexThumbprint;
    final long t0;
    final long t1;
    final long t2;
    final long t3;

    Thumbprint(String thumbprint) {
        this.hexThumbprint = Keys.isThumbprint(thumbprint);
        this.t0 = hexThumbprint ? Keys.thumbprintWord(thumbprint, 0) : 0;
        this.t1 = hexThumbprint ? Keys.thumbprintWord(thumbprint, 1) : 0;
        this.t2 = hexThumbprint ? Keys.thumbprintWord(thumbprint, 2) : 0;
        this.t3 = hexThumbprint ? Keys.thumbprintWord(thumbprint, 3) : 0;
    }

    /** A lookup key for {@code thumbprint}. */
    static Thumbprint of(String thumbprint) {
        return new Probe(thumbprint);
    }

    /** The thumbprint as given when it is not 64 lower-case hex digits, else {@code null}. */
    abstract @Nullable String text();

    /** The thumbprint string, exactly as it was given. */
    final String thumbprint() {
        String s = text();
        if (s != null) {
            return s;
        }
        HexFormat hex = HexFormat.of();
        return hex.toHexDigits(t0) + hex.toHexDigits(t1) + hex.toHexDigits(t2) + hex.toHexDigits(t3);
    }

    /** Whether this is the thumbprint {@code s}. Allocation-free. */
    final boolean hasThumbprint(String s) {
        return hexThumbprint ? Keys.thumbprintEquals(s, t0, t1, t2, t3) : s.equals(text());
    }

    /** Whether {@code other} has the same thumbprint. */
    final boolean sameThumbprint(Thumbprint other) {
        return hexThumbprint == other.hexThumbprint && t0 == other.t0 && t1 == other.t1 && t2 == other.t2
                && t3 == other.t3 && Objects.equals(text(), other.text());
    }

    /** Equal to any {@code Thumbprint} (a record or a probe) with the same thumbprint. */
    @Override
    public final boolean equals(@Nullable Object o) {
        return o instanceof Thumbprint t && sameThumbprint(t);
    }

    @Override
    public final int hashCode() {
        return hexThumbprint ? Keys.mix(t0 ^ Long.rotateLeft(t1, 16) ^ Long.rotateLeft(t2, 32) ^ Long.rotateLeft(t3, 48))
                : Objects.hashCode(text());
    }

    /** A lookup key made from a presented thumbprint. */
    private static final class Probe extends Thumbprint {
        private final @Nullable String text;

        Probe(String thumbprint) {
            super(thumbprint);
            this.text = hexThumbprint ? null : thumbprint;
        }

        @Override
        @Nullable String text() {
            return text;
        }
    }
}
