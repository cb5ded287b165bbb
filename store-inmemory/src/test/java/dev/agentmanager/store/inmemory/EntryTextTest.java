package dev.agentmanager.store.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The packed name and token id of an entry come back exactly, and the common shapes take little room. */
class EntryTextTest {

    @Test
    void everyNameAndTokenIdComesBackExactly() {
        List<String> names = new ArrayList<>(List.of("", "agent-1", "h\u00f6st-\u00e9\u00ff",
                "\u65e5\u672c-\u30db\u30b9\u30c8", "bad \ud800 surrogate", "\udfff", "x".repeat(127),
                "y".repeat(128), "z".repeat(20_000), "\u0100".repeat(300)));
        List<String> tokens = new ArrayList<>(List.of("", "AAAAAAAAAAAAAAAA", "abcdefghijkl-_09", "tok1000000000000",
                "abcdefghijkl-_0", "abcdefghijkl-_0==", "AAAAAAAAAAAAAA==", "abcdefghijkl+/09", "ABCDEFGHIJKLMNOPQ",
                "t\u00f6ken", "\u4ee4\u724c", "\ud801"));
        SplittableRandom random = new SplittableRandom(17);
        for (int i = 0; i < 200; i++) {
            names.add(randomString(random, random.nextInt(0, 40)));
            tokens.add(randomString(random, random.nextInt(0, 20)));
        }
        SecureRandom secure = new SecureRandom();
        for (int i = 0; i < 200; i++) {
            byte[] id = new byte[12];
            secure.nextBytes(id);
            tokens.add(Base64.getUrlEncoder().withoutPadding().encodeToString(id)); // as core's TokenCodec makes them
        }
        tokens.add(null);
        for (String name : names) {
            for (String token : tokens) {
                byte[] b = EntryText.of(name, token);
                assertThat(EntryText.name(b)).isEqualTo(name);
                assertThat(EntryText.tokenId(b)).isEqualTo(token);
            }
        }
    }

    @Test
    void latin1NamesTakeAByteACharacterAndCoreTokenIdsTwelveBytes() {
        assertThat(EntryText.of("agent-123456", "tok1000000000000")).hasSize(1 + 1 + 12 + 12);
        assertThat(EntryText.of("agent-123456", null)).hasSize(1 + 1 + 12);
        assertThat(EntryText.of("h\u00f6st", "t")).hasSize(1 + 1 + 4 + 1);
        assertThat(EntryText.of("\u65e5\u672c", "\u4ee4")).hasSize(1 + 1 + 4 + 2);
        assertThat(EntryText.of("n".repeat(200), null)).hasSize(1 + 2 + 200); // the length takes a second byte
        // 16 characters that are not all base64url are kept as characters
        assertThat(EntryText.of("a", "AAAAAAAAAAAAAA==")).hasSize(1 + 1 + 1 + 16);
    }

    /** Characters from every range: ASCII, the rest of ISO-8859-1, the BMP, and surrogates alone or in pairs. */
    private static String randomString(SplittableRandom random, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            switch (random.nextInt(4)) {
                case 0 -> s.append((char) random.nextInt(0x20, 0x7F));
                case 1 -> s.append((char) random.nextInt(0x80, 0x100));
                case 2 -> s.append((char) random.nextInt(0x100, 0x10000));
                default -> s.appendCodePoint(random.nextInt(0x10000, 0x110000));
            }
        }
        return s.toString();
    }
}
