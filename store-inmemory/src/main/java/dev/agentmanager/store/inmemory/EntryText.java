package dev.agentmanager.store.inmemory;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * An agent's name and registration-token id packed into one byte array, for {@link AgentEntry}: one array
 * instead of two strings (each a 24-byte object plus an array of its own) is about 60 bytes less per agent.
 *
 * <p>Layout: a flags byte, the name's length in characters (unsigned LEB128), the name, then the token id to
 * the end. A name (or token id) of ISO-8859-1 characters takes one byte per character, any other two
 * (UTF-16, big-endian, unit by unit, so that every string, unpaired surrogates included, comes back exactly).
 * A token id of 16 base64url characters, the shape core's {@code TokenCodec} gives every token id (96 random
 * bits), is kept as its 12 bytes. Both strings are rebuilt on read; nothing here is on the heartbeat path.
 */
final class EntryText {
    /** Flags bit 0: the name is UTF-16 (else ISO-8859-1). */
    private static final int NAME_UTF16 = 1;
    /** Flags bits 1-2: how the token id is kept. */
    private static final int TOKEN_SHIFT = 1;
    private static final int TOKEN_NONE = 0;
    private static final int TOKEN_BASE64URL_96 = 1;
    private static final int TOKEN_LATIN1 = 2;
    private static final int TOKEN_UTF16 = 3;
    /** Characters of a token id kept as 12 bytes. */
    private static final int BASE64URL_CHARS = 16;
    private static final int BASE64URL_BYTES = 12;
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private EntryText() {}

    /** The packed form of {@code name} and {@code tokenId}. */
    static byte[] of(String name, @Nullable String tokenId) {
        boolean nameLatin1 = isLatin1(name);
        int tokenForm = tokenId == null ? TOKEN_NONE
                : isBase64Url96(tokenId) ? TOKEN_BASE64URL_96
                : isLatin1(tokenId) ? TOKEN_LATIN1 : TOKEN_UTF16;
        int nameLength = name.length();
        int header = 1 + varintSize(nameLength);
        int nameBytes = nameLatin1 ? nameLength : 2 * nameLength;
        int tokenBytes = switch (tokenForm) {
            case TOKEN_NONE -> 0;
            case TOKEN_BASE64URL_96 -> BASE64URL_BYTES;
            case TOKEN_LATIN1 -> tokenId.length();
            default -> 2 * tokenId.length();
        };
        byte[] b = new byte[header + nameBytes + tokenBytes];
        b[0] = (byte) ((nameLatin1 ? 0 : NAME_UTF16) | tokenForm << TOKEN_SHIFT);
        int at = 1;
        for (int v = nameLength; ; v >>>= 7) { // LEB128: seven bits a byte, the high bit says more follow
            if (v < 0x80) {
                b[at++] = (byte) v;
                break;
            }
            b[at++] = (byte) (v & 0x7F | 0x80);
        }
        at = put(b, at, name, nameLatin1);
        switch (tokenForm) {
            case TOKEN_BASE64URL_96 -> System.arraycopy(Base64.getUrlDecoder().decode(tokenId), 0, b, at,
                    BASE64URL_BYTES);
            case TOKEN_LATIN1 -> put(b, at, tokenId, true);
            case TOKEN_UTF16 -> put(b, at, tokenId, false);
            default -> { }
        }
        return b;
    }

    /** The name {@link #of} was given. */
    static String name(byte[] b) {
        int length = nameLength(b);
        return string(b, 1 + varintSize(length), length, (b[0] & NAME_UTF16) == 0);
    }

    /** The token id {@link #of} was given. */
    static @Nullable String tokenId(byte[] b) {
        int form = (b[0] >>> TOKEN_SHIFT) & 3;
        if (form == TOKEN_NONE) {
            return null;
        }
        int nameLength = nameLength(b);
        int at = 1 + varintSize(nameLength) + ((b[0] & NAME_UTF16) == 0 ? nameLength : 2 * nameLength);
        return switch (form) {
            case TOKEN_BASE64URL_96 -> BASE64URL.encodeToString(Arrays.copyOfRange(b, at, b.length));
            case TOKEN_LATIN1 -> string(b, at, b.length - at, true);
            default -> string(b, at, (b.length - at) / 2, false);
        };
    }

    /** The name's length in characters, the LEB128 number after the flags. */
    private static int nameLength(byte[] b) {
        int length = 0;
        for (int at = 1, shift = 0; ; shift += 7) {
            int v = b[at++];
            length |= (v & 0x7F) << shift;
            if (v >= 0) {
                return length;
            }
        }
    }

    /** Whether {@code s} is 16 base64url characters, so that it decodes to 12 bytes that encode back to it. */
    private static boolean isBase64Url96(String s) {
        if (s.length() != BASE64URL_CHARS) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLatin1(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0xFF) {
                return false;
            }
        }
        return true;
    }

    private static int varintSize(int v) {
        int n = 1;
        while (v >= 0x80) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    /** Writes {@code s} at {@code at}, a byte per character or two; returns the index after it. */
    private static int put(byte[] b, int at, String s, boolean latin1) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (latin1) {
                b[at++] = (byte) c;
            } else {
                b[at++] = (byte) (c >>> 8);
                b[at++] = (byte) c;
            }
        }
        return at;
    }

    /** The {@code length} characters from {@code at}, a byte each or two. */
    private static String string(byte[] b, int at, int length, boolean latin1) {
        if (latin1) {
            return new String(b, at, length, StandardCharsets.ISO_8859_1);
        }
        char[] c = new char[length]; // not a UTF-16 decoder: that would replace unpaired surrogates
        for (int i = 0; i < length; i++) {
            c[i] = (char) ((b[at + 2 * i] & 0xFF) << 8 | b[at + 2 * i + 1] & 0xFF);
        }
        return new String(c);
    }
}
