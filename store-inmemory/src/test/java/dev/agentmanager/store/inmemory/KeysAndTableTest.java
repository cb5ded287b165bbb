package dev.agentmanager.store.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.testkit.MutableClock;
import dev.agentmanager.testkit.TestAgents;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The allocation-free key comparisons and the id table behind the heartbeat path. */
class KeysAndTableTest {

    @Test
    void uuidsRoundTripAndCompareExactly() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            UUID uuid = new UUID(random.nextLong(), random.nextLong());
            String id = uuid.toString();
            assertThat(Keys.isCanonicalUuid(id)).isTrue();
            long msb = Keys.uuidMsb(id);
            long lsb = Keys.uuidLsb(id);
            assertThat(msb).isEqualTo(uuid.getMostSignificantBits());
            assertThat(lsb).isEqualTo(uuid.getLeastSignificantBits());
            assertThat(new UUID(msb, lsb).toString()).isEqualTo(id);
            assertThat(Keys.uuidEquals(id, msb, lsb)).isTrue();
            assertThat(Keys.uuidEquals(id, msb ^ 1, lsb)).isFalse();
            assertThat(Keys.uuidEquals(id, msb, lsb ^ (1L << 63))).isFalse();
            byte[] bytes = latin1(id); // the heartbeat path's decoding of the same id
            assertThat((Keys.hex8(bytes, 0) << 32) | Keys.hex8(bytes, 9, 14)).isEqualTo(msb);
            assertThat((Keys.hex8(bytes, 19, 24) << 32) | Keys.hex8(bytes, 28)).isEqualTo(lsb);
        }
        UUID uuid = UUID.fromString("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
        String id = uuid.toString();
        long msb = uuid.getMostSignificantBits();
        long lsb = uuid.getLeastSignificantBits();
        for (String other : List.of(id.toUpperCase(Locale.ROOT), id.replace('-', '_'), id.substring(1), id + "0",
                id.replace("0f1e", "0f1\u0100"), id.substring(0, 35) + "g")) {
            assertThat(Keys.isCanonicalUuid(other)).as(other).isFalse();
            assertThat(Keys.uuidEquals(other, msb, lsb)).as(other).isFalse();
        }
    }

    @Test
    void ascii8IsTheLowWordsEightHexDigits() {
        SplittableRandom random = new SplittableRandom(3);
        List<Long> values = new ArrayList<>(List.of(0L, -1L, 0xFFFFFFFFL, 0x0123456789ABCDEFL, 0x89ABCDEFL));
        for (int i = 0; i < 10_000; i++) {
            values.add(random.nextLong());
        }
        for (long v : values) {
            String digits = String.format(Locale.ROOT, "%08x", v & 0xFFFFFFFFL);
            long expected = 0;
            for (int k = 0; k < 8; k++) {
                expected = (expected << 8) | digits.charAt(k);
            }
            assertThat(Keys.ascii8(v)).as(digits).isEqualTo(expected);
        }
    }

    @Test
    void hex8DecodesExactlyTheLowerCaseHexDigits() {
        for (int at = 0; at < 8; at++) {
            for (int c = 0; c < 256; c++) {
                byte[] b = "00000000".getBytes(StandardCharsets.ISO_8859_1);
                b[at] = (byte) c;
                boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                long expected = hex ? Long.parseLong(new String(b, StandardCharsets.ISO_8859_1), 16) : -1;
                assertThat(Keys.hex8(b, 0)).as("byte %d at %d", c, at).isEqualTo(expected);
            }
        }
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 10_000; i++) {
            long v = random.nextLong() & 0xFFFFFFFFL;
            byte[] b = String.format(Locale.ROOT, "%08x", v).getBytes(StandardCharsets.ISO_8859_1);
            assertThat(Keys.hex8(b, 0)).isEqualTo(v);
            assertThat(Keys.hex8(b, 0, 4)).isEqualTo(v);
        }
    }

    @Test
    void thumbprintsCompareWordForWordInLowerCaseOnly() {
        SplittableRandom random = new SplittableRandom(11);
        byte[] digest = new byte[32];
        for (int i = 0; i < 10_000; i++) {
            for (int b = 0; b < 32; b++) {
                digest[b] = (byte) random.nextInt(256);
            }
            String hex = HexFormat.of().formatHex(digest);
            assertThat(Keys.isThumbprint(hex)).isTrue();
            long[] w = {Keys.thumbprintWord(hex, 0), Keys.thumbprintWord(hex, 1), Keys.thumbprintWord(hex, 2),
                    Keys.thumbprintWord(hex, 3)};
            assertThat(Keys.thumbprintEquals(hex, w[0], w[1], w[2], w[3])).isTrue();
            assertThat(Keys.thumbprintEquals(latin1(hex), w[0], w[1], w[2], w[3])).isTrue();
            int flipped = random.nextInt(4);
            w[flipped] ^= 1L << random.nextInt(64);
            assertThat(Keys.thumbprintEquals(hex, w[0], w[1], w[2], w[3])).isFalse();
            assertThat(Keys.thumbprintEquals(latin1(hex), w[0], w[1], w[2], w[3])).isFalse();
        }
        String hex = "00112233445566778899aabbccddeeff" + "0123456789abcdef0123456789abcdef";
        long w0 = Keys.thumbprintWord(hex, 0);
        long w1 = Keys.thumbprintWord(hex, 1);
        long w2 = Keys.thumbprintWord(hex, 2);
        long w3 = Keys.thumbprintWord(hex, 3);
        assertThat(w0).isEqualTo(0x0011223344556677L);
        assertThat(w3).isEqualTo(0x0123456789abcdefL);
        for (String other : List.of(hex.toUpperCase(Locale.ROOT), hex.substring(1), hex + "0",
                hex.substring(0, 63) + "g", hex.substring(0, 63) + "\u0166")) {
            assertThat(Keys.thumbprintEquals(other, w0, w1, w2, w3)).as(other).isFalse();
            assertThat(Keys.thumbprintEquals(latin1(other), w0, w1, w2, w3)).as(other).isFalse();
        }
        assertThat(Keys.isThumbprint(hex.toUpperCase(Locale.ROOT))).isFalse(); // stored thumbprints are lower case
        assertThat(Keys.isThumbprint(hex.substring(0, 63) + "g")).isFalse();
    }

    @Test
    void theTableFindsUuidAndOtherIdsAcrossResizes() {
        AgentTable table = new AgentTable(0);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            String id = i % 3 == 0 ? "agent-" + i : UUID.randomUUID().toString();
            table.add(entry(id));
            ids.add(id);
        }
        assertThat(table.size()).isEqualTo(ids.size());
        for (String id : ids) {
            assertThat(table.get(id)).as(id).isNotNull().extracting(AgentEntry::id).isEqualTo(id);
            assertThat(table.get(id, latin1(id))).as(id).isSameAs(table.get(id));
        }
        String odd = "h\u00f6st-\u00e9"; // ISO-8859-1 but not ASCII: same hash either way
        table.add(entry(odd));
        assertThat(table.get(odd, latin1(odd))).isSameAs(table.get(odd)).isNotNull();
        assertThat(table.get("agent-5000")).isNull();
        assertThat(table.get(UUID.randomUUID().toString())).isNull();
        String uuid = ids.get(1);
        String upper = uuid.toUpperCase(Locale.ROOT);
        assertThat(table.get(upper)).isNull(); // ids are case-sensitive
        assertThat(table.get(upper, latin1(upper))).isNull();
        table.add(entry(upper)); // not canonical: kept and hashed as a string, beside its lower-case twin
        assertThat(table.get(upper)).isSameAs(table.get(upper, latin1(upper))).isNotSameAs(table.get(uuid))
                .extracting(AgentEntry::id).isEqualTo(upper);
        assertThat(table.get(uuid, latin1(uuid))).isSameAs(table.get(uuid)).extracting(AgentEntry::id).isEqualTo(uuid);
        int[] visited = {0};
        table.forEach(e -> visited[0]++);
        assertThat(visited[0]).isEqualTo(ids.size() + 2);
    }

    @Test
    void theTableIsSizedAndGrownToStayAtMostFourFifthsFull() {
        assertThat(AgentTable.capacityFor(0)).isEqualTo(16);
        assertThat(AgentTable.capacityFor(12)).isEqualTo(16); // 12 / 16 = 0.75
        assertThat(AgentTable.capacityFor(13)).isEqualTo(32); // 13 / 16 > 0.8
        assertThat(AgentTable.capacityFor(100_000)).isEqualTo(1 << 17); // 0.76 full
        assertThat(AgentTable.capacityFor(104_857)).isEqualTo(1 << 17); // 0.79999 full
        assertThat(AgentTable.capacityFor(104_858)).isEqualTo(1 << 18);
        assertThat(AgentTable.capacityFor(Integer.MAX_VALUE)).isEqualTo(1 << 30);

        AgentTable table = new AgentTable(100);
        int capacity = table.capacity();
        assertThat(capacity).isEqualTo(128);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 102; i++) { // 102 / 128 < 0.8: no growth
            ids.add(UUID.randomUUID().toString());
            table.add(entry(ids.get(i)));
        }
        assertThat(table.capacity()).isEqualTo(capacity);
        ids.add("host-102");
        table.add(entry("host-102")); // 103 / 128 > 0.8: grows
        assertThat(table.capacity()).isEqualTo(2 * capacity);
        for (String id : ids) {
            assertThat(table.get(id, latin1(id))).as(id).isSameAs(table.get(id)).isNotNull();
        }
    }

    @Test
    void readersRacingInsertsAndResizesFindEveryEarlierEntry() throws Exception {
        AgentTable table = new AgentTable(0);
        int total = 50_000;
        String[] ids = new String[total];
        AgentEntry[] entries = new AgentEntry[total];
        for (int i = 0; i < total; i++) {
            ids[i] = i % 2 == 0 ? UUID.randomUUID().toString() : "host-" + i;
            entries[i] = entry(ids[i]);
        }
        java.util.concurrent.atomic.AtomicInteger published = new java.util.concurrent.atomic.AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            int seed = r;
            Thread t = new Thread(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                try {
                    start.await();
                    while (published.get() < total) {
                        int known = published.get(); // every entry below this was added before we read it
                        if (known == 0) {
                            continue;
                        }
                        int i = random.nextInt(known);
                        if (table.get(ids[i]) != entries[i]) {
                            throw new AssertionError("entry " + i + " (" + ids[i] + ") not found after its add");
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            t.start();
            readers.add(t);
        }
        start.countDown();
        for (int i = 0; i < total; i++) { // one writer, as under the store's write lock
            table.add(entries[i]);
            published.set(i + 1);
        }
        for (Thread t : readers) {
            t.join();
        }
        assertThat(failure.get()).isNull();
    }

    @Test
    void bothHashesAgreeOnIso88591Strings() {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 10_000; i++) {
            char[] c = new char[random.nextInt(0, 130)];
            for (int k = 0; k < c.length; k++) {
                c[k] = (char) random.nextInt(1, 256);
            }
            String s = new String(c);
            assertThat(Keys.hash(s)).as(s).isEqualTo(Keys.hash(latin1(s)));
        }
    }

    @Test
    void aUuidIdIsKeptOnlyAsWordsAndRebuiltExactlyOtherIdsAsGiven() {
        String uuid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
        AgentEntry e = entry(uuid);
        assertThat(e.uuidId).isEqualTo(1);
        assertThat(e.id).isNull(); // no string kept: the words are the id
        assertThat(e.idMsb).isEqualTo(0x0f1e2d3c4b5a6978L);
        assertThat(e.id()).isEqualTo(uuid);
        assertThat(e.hasId(uuid)).isTrue();
        assertThat(e.hasId(uuid.toUpperCase(Locale.ROOT))).isFalse();
        assertThat(e.toAgent().id()).isEqualTo(uuid);
        // ids that look like UUIDs but are not canonical keep their string, exactly as given
        for (String other : List.of(uuid.toUpperCase(Locale.ROOT), "{" + uuid + "}", uuid.replace("-", ""), "agent-7",
                "h\u00f6st-\u00e9", "\u65e5\u672c-1")) {
            AgentEntry o = entry(other);
            assertThat(o.uuidId).as(other).isZero();
            assertThat(o.id).as(other).isEqualTo(other);
            assertThat(o.id()).as(other).isSameAs(o.id);
            assertThat(o.hasId(other)).as(other).isTrue();
            assertThat(o.hasId(uuid)).as(other).isFalse();
            assertThat(o.toAgent().id()).as(other).isEqualTo(other);
        }
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 1_000; i++) {
            String id = new UUID(random.nextLong(), random.nextLong()).toString();
            assertThat(entry(id).id()).isEqualTo(id);
        }
    }

    @Test
    void aRecordMadeForAnEntryReportsItsIdAndBelongsToItOnly() {
        String uuid = UUID.randomUUID().toString();
        AgentEntry e = entry(uuid);
        AgentEntry other = entry("agent-b");
        CertificateRecord own = e.certificate();
        assertThat(own.entry()).isSameAs(e);
        assertThat(own.agentId()).isEqualTo(uuid);
        assertThat(own.belongsTo(e)).isTrue();
        assertThat(own.belongsTo(other)).isFalse();
        // a record that holds only the id (inserted before the agent registered) belongs to the entry of that id
        CertificateRecord byId = CertificateRecord.of(TestAgents.certificate(uuid, MutableClock.DEFAULT_START), uuid,
                new CertificateBodies());
        assertThat(byId.entry()).isNull();
        assertThat(byId.agentId()).isSameAs(uuid);
        assertThat(byId.belongsTo(e)).isTrue();
        assertThat(byId.belongsTo(other)).isFalse();
    }

    private static byte[] latin1(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static AgentEntry entry(String id) {
        return TestEntries.entry(id);
    }
}
