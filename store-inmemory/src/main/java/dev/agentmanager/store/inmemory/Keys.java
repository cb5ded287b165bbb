package dev.agentmanager.store.inmemory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The two key shapes the heartbeat path compares: agent ids that are canonical lower-case UUIDs (what
 * {@code AgentManager} assigns) and 64-digit hex SHA-256 thumbprints. Entries keep them as {@code long}s
 * inline, and a presented key compares against them without allocation and without dereferencing a stored
 * string (at fleet scale every such dereference is a cache miss). A presented UUID decodes to its words
 * ({@link #hex8}); a presented thumbprint compares against the hex digits of the stored words, made on the fly
 * ({@link #ascii8}: decoding it instead measured slower).
 */
final class Keys {
    /** Hex digit value per ASCII character, -1 for anything else; upper case accepted. */
    private static final byte[] HEX = new byte[128];
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    static {
        Arrays.fill(HEX, (byte) -1);
        for (int i = 0; i < 10; i++) {
            HEX['0' + i] = (byte) i;
        }
        for (int i = 0; i < 6; i++) {
            HEX['a' + i] = (byte) (10 + i);
            HEX['A' + i] = (byte) (10 + i);
        }
    }

    private Keys() {}

    /** Whether {@code id} is a UUID in its canonical form: 36 characters, lower-case hex, dashes at 8/13/18/23. */
    static boolean isCanonicalUuid(String id) {
        return id.length() == 36 && id.charAt(8) == '-' && id.charAt(13) == '-' && id.charAt(18) == '-'
                && id.charAt(23) == '-' && isLowerHex(id, 0, 8) && isLowerHex(id, 9, 13) && isLowerHex(id, 14, 18)
                && isLowerHex(id, 19, 23) && isLowerHex(id, 24, 36);
    }

    /** The most significant 64 bits of a canonical UUID (check {@link #isCanonicalUuid} first). */
    static long uuidMsb(String id) {
        return (hex(id, 0, 8) << 32) | (hex(id, 9, 13) << 16) | hex(id, 14, 18);
    }

    /** The least significant 64 bits of a canonical UUID (check {@link #isCanonicalUuid} first). */
    static long uuidLsb(String id) {
        return (hex(id, 19, 23) << 48) | hex(id, 24, 36);
    }

    /** Whether {@code s} is 64 lower-case hex digits: a thumbprint as core stores it. */
    static boolean isThumbprint(String s) {
        return s.length() == 64 && isLowerHex(s, 0, 64);
    }

    /** Word {@code word} (0..3) of a 64-digit hex thumbprint (check {@link #isThumbprint} first). */
    static long thumbprintWord(String s, int word) {
        return hex(s, word * 16, word * 16 + 16);
    }

    /** Whether the characters from {@code from} to {@code to} are lower-case hex digits. */
    static boolean isLowerHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    /** The value of the hex digits from {@code from} to {@code to} (at most 16; check them first). */
    static long hex(String s, int from, int to) {
        long v = 0;
        for (int i = from; i < to; i++) {
            v = (v << 4) | HEX[s.charAt(i)];
        }
        return v;
    }

    // ---- the heartbeat path: presented keys against inline words -------------------------------------
    //
    // The heartbeat path takes the presented strings' ISO-8859-1 bytes (one intrinsic array copy each) and
    // compares them eight at a time; reading them char by char costs several times as much. The String
    // variants serve the other paths and compute the same values without allocating.

    /** A 64-bit hash of {@code b}, eight bytes at a time. */
    static long hash(byte[] b) {
        long h = b.length * 0x9E3779B97F4A7C15L;
        int i = 0;
        for (; i + 8 <= b.length; i += 8) {
            h = step(h, (long) LONG.get(b, i));
        }
        long tail = 0;
        for (; i < b.length; i++) {
            tail = (tail << 8) | (b[i] & 0xFF);
        }
        return h ^ (tail * 0x165667B19E3779F9L);
    }

    /**
     * The same hash as {@link #hash(byte[])} of {@code s.getBytes(ISO_8859_1)} for every string whose
     * characters are single UTF-16 units (anything else merely hashes differently), without allocating.
     */
    static long hash(String s) {
        int n = s.length();
        long h = n * 0x9E3779B97F4A7C15L;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            long w = 0;
            for (int k = 0; k < 8; k++) {
                w = (w << 8) | latin1(s.charAt(i + k));
            }
            h = step(h, w);
        }
        long tail = 0;
        for (; i < n; i++) {
            tail = (tail << 8) | latin1(s.charAt(i));
        }
        return h ^ (tail * 0x165667B19E3779F9L);
    }

    private static long step(long h, long word) {
        return Long.rotateLeft(h ^ (word * 0xC2B2AE3D27D4EB4FL), 31) * 0x9E3779B97F4A7C15L;
    }

    /** What ISO-8859-1 encoding makes of a character. */
    private static int latin1(char c) {
        return c <= 0xFF ? c : '?';
    }

    /**
     * The value of eight lower-case hex digits held as eight ASCII bytes, big-endian, in {@code w} (0 to
     * 2^32 - 1), or -1 when any byte is not one. Branch-free but for the result, eight bytes at a time: each
     * byte's range tests are additions whose carries land in the byte's top bit, and no carry crosses into the
     * next byte once every top bit is known to be clear.
     */
    static long hex8(long w) {
        long digit = (w + 0x5050505050505050L) & ~(w + 0x4646464646464646L); // top bit: '0' <= c <= '9'
        long letter = (w + 0x1F1F1F1F1F1F1F1FL) & ~(w + 0x1919191919191919L); // top bit: 'a' <= c <= 'f'
        if (((w | ~(digit | letter)) & 0x8080808080808080L) != 0) {
            return -1;
        }
        long n = (w & 0x0F0F0F0F0F0F0F0FL) + ((w >>> 6) & 0x0101010101010101L) * 9; // one digit's value per byte
        n = (n | (n >>> 4)) & 0x00FF00FF00FF00FFL; // two digits per 16 bits
        n = (n | (n >>> 8)) & 0x0000FFFF0000FFFFL;
        return (n | (n >>> 16)) & 0xFFFFFFFFL;
    }

    /** {@link #hex8} of the four ASCII bytes at {@code at}, then the four at {@code then}. */
    static long hex8(byte[] b, int at, int then) {
        return hex8(((long) (int) INT.get(b, at) << 32) | ((int) INT.get(b, then) & 0xFFFFFFFFL));
    }

    /** {@link #hex8} of the eight ASCII bytes at {@code at}. */
    static long hex8(byte[] b, int at) {
        return hex8((long) LONG.get(b, at));
    }

    /**
     * The table hash of a canonical UUID id by its bits. {@link AgentTable} hashes such ids by their words, not by
     * their characters: a presented id's 32 hex digits decode with four {@link #hex8} calls that do not depend on
     * each other, which is shorter before the lookup's first memory access than the string hash's chain of
     * multiplications, and a candidate entry then compares by two words instead of 36 characters.
     */
    static long uuidHash(long msb, long lsb) {
        return msb * 0x9E3779B97F4A7C15L ^ lsb;
    }

    /** Whether {@code s} is the canonical string of the UUID with these bits. Allocation-free. */
    static boolean uuidEquals(String s, long msb, long lsb) {
        return s.length() == 36 && s.charAt(8) == '-' && s.charAt(13) == '-' && s.charAt(18) == '-'
                && s.charAt(23) == '-'
                && chars(s, 0, ascii8(msb >>> 32), 8) && chars(s, 9, ascii8(msb >>> 16), 4)
                && chars(s, 14, ascii8(msb), 4) && chars(s, 19, ascii8(lsb >>> 48), 4)
                && chars(s, 24, ascii8(lsb >>> 32), 4) && chars(s, 28, ascii8(lsb), 8);
    }

    /** Whether {@code b} is the lower-case hex of the thumbprint with these words. Allocation-free. */
    static boolean thumbprintEquals(byte[] b, long w0, long w1, long w2, long w3) {
        return b.length == 64
                && (long) LONG.get(b, 0) == ascii8(w0 >>> 32) && (long) LONG.get(b, 8) == ascii8(w0)
                && (long) LONG.get(b, 16) == ascii8(w1 >>> 32) && (long) LONG.get(b, 24) == ascii8(w1)
                && (long) LONG.get(b, 32) == ascii8(w2 >>> 32) && (long) LONG.get(b, 40) == ascii8(w2)
                && (long) LONG.get(b, 48) == ascii8(w3 >>> 32) && (long) LONG.get(b, 56) == ascii8(w3);
    }

    /** Whether {@code s} is the lower-case hex of the thumbprint with these words. Allocation-free. */
    static boolean thumbprintEquals(String s, long w0, long w1, long w2, long w3) {
        return s.length() == 64
                && chars(s, 0, ascii8(w0 >>> 32), 8) && chars(s, 8, ascii8(w0), 8)
                && chars(s, 16, ascii8(w1 >>> 32), 8) && chars(s, 24, ascii8(w1), 8)
                && chars(s, 32, ascii8(w2 >>> 32), 8) && chars(s, 40, ascii8(w2), 8)
                && chars(s, 48, ascii8(w3 >>> 32), 8) && chars(s, 56, ascii8(w3), 8);
    }

    /** Whether the {@code count} characters from {@code at} are the last {@code count} bytes of {@code ascii}. */
    private static boolean chars(String s, int at, long ascii, int count) {
        int diff = 0;
        for (int k = 0; k < count; k++) {
            diff |= s.charAt(at + k) ^ (int) ((ascii >>> (8 * (count - 1 - k))) & 0xFF);
        }
        return diff == 0;
    }

    /**
     * The two lower-case hex digits of each byte value, as two ASCII bytes (most significant digit first): 2 KiB,
     * in L1 on the heartbeat path, where {@link #ascii8} runs eight times per beat (the thumbprint).
     */
    private static final long[] HEX_PAIRS = new long[256];

    static {
        String digits = "0123456789abcdef";
        for (int b = 0; b < 256; b++) {
            HEX_PAIRS[b] = ((long) digits.charAt(b >>> 4) << 8) | digits.charAt(b & 0xF);
        }
    }

    /**
     * The eight lower-case hex digits of the low 32 bits of {@code v}, as eight ASCII bytes (big-endian). Four
     * table reads side by side: a beat in cache is 7 % faster than with the bit-spreading arithmetic this replaced
     * ({@code PairedRuns heartbeat}, 1,000 agents; 2 % at 100,000, where cache misses dominate).
     */
    static long ascii8(long v) {
        return (HEX_PAIRS[(int) (v >>> 24) & 0xFF] << 48) | (HEX_PAIRS[(int) (v >>> 16) & 0xFF] << 32)
                | (HEX_PAIRS[(int) (v >>> 8) & 0xFF] << 16) | HEX_PAIRS[(int) v & 0xFF];
    }

    /**
     * The slot count of an open-addressing table (linear probing, at most half full) sized for
     * {@code expected} keys: a power of two, at least 16, at most 2^30.
     */
    static int tableCapacity(int expected) {
        return powerOfTwoSlots(2L * Math.max(expected, 8));
    }

    /** The least power of two at or above {@code wanted} slots, at least 16, at most 2^30. */
    static int powerOfTwoSlots(long wanted) {
        if (wanted > (1 << 30)) {
            return 1 << 30;
        }
        return Integer.highestOneBit((int) Math.max(16L, wanted) - 1) << 1;
    }

    /** Spreads hash bits (the 64-bit finaliser of MurmurHash3). */
    static int mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return (int) (z ^ (z >>> 33));
    }
}
