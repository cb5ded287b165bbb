package dev.agentmanager.store.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.NavigableSet;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The id order behind {@code findAgents}: exactly {@link String#compareTo}'s, however ids are held. */
class IdOrderTest {

    @Test
    void entriesCompareAsTheirIdStringsDoUuidsHeldAsWordsIncluded() {
        List<String> ids = ids(new SplittableRandom(1), 400);
        List<AgentEntry> entries = ids.stream().map(TestEntries::entry).toList();
        for (int i = 0; i < ids.size(); i++) {
            for (int j = 0; j < ids.size(); j++) {
                String a = ids.get(i);
                String b = ids.get(j);
                assertThat(Integer.signum(IdOrder.compare(entries.get(i), entries.get(j)))).as(a + " vs " + b)
                        .isEqualTo(Integer.signum(a.compareTo(b)));
                assertThat(Integer.signum(IdOrder.compare(a, entries.get(j)))).as(a + " vs " + b)
                        .isEqualTo(Integer.signum(a.compareTo(b)));
            }
        }
    }

    @Test
    void walksEveryEntryAfterTheCursorInIdOrderAcrossMerges() {
        SplittableRandom random = new SplittableRandom(2);
        List<String> ids = ids(random, 5_000);
        IdOrder order = new IdOrder();
        NavigableSet<String> expected = new TreeSet<>();
        for (String id : ids) {
            order.add(TestEntries.entry(id));
            expected.add(id);
            if (expected.size() % 97 == 0 || expected.size() < 40) { // inside and across the merges of the short array
                assertThat(walk(order, null, Integer.MAX_VALUE)).containsExactlyElementsOf(expected);
            }
        }
        List<String> cursors = new ArrayList<>(ids.subList(0, 200));
        for (int i = 0; i < 200; i++) {
            String id = ids.get(random.nextInt(ids.size()));
            cursors.add(id.substring(0, random.nextInt(id.length() + 1))); // a prefix: an id that need not exist
            cursors.add(id + "\u0000");
        }
        cursors.addAll(List.of("", "~", "\uffff", "0", "g"));
        for (String cursor : cursors) {
            List<String> tail = new ArrayList<>(expected.tailSet(cursor, false));
            assertThat(walk(order, cursor, Integer.MAX_VALUE)).as(cursor).isEqualTo(tail);
            assertThat(walk(order, cursor, 7)).as(cursor).isEqualTo(tail.subList(0, Math.min(7, tail.size())));
        }
    }

    @Test
    void pagingWhileEntriesAreAddedSeesEveryEarlierEntryOnceAndInOrder() throws Exception {
        List<String> ids = ids(new SplittableRandom(3), 20_000);
        List<AgentEntry> entries = ids.stream().map(TestEntries::entry).toList();
        IdOrder order = new IdOrder();
        AtomicInteger published = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            Thread t = new Thread(() -> {
                try {
                    start.await();
                    while (published.get() < ids.size()) {
                        // every entry added before the walk started must be seen, in order, by paging 50 at a time
                        TreeSet<String> before = new TreeSet<>(ids.subList(0, published.get()));
                        List<String> seen = new ArrayList<>();
                        String cursor = null;
                        for (List<String> page = walk(order, null, 50); !page.isEmpty();
                                page = walk(order, cursor, 50)) {
                            seen.addAll(page);
                            cursor = page.get(page.size() - 1);
                        }
                        for (int i = 1; i < seen.size(); i++) {
                            if (seen.get(i - 1).compareTo(seen.get(i)) >= 0) {
                                throw new AssertionError("out of order: " + seen.get(i - 1) + ", " + seen.get(i));
                            }
                        }
                        if (!seen.containsAll(before)) {
                            throw new AssertionError("an entry added before the walk was missed");
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
        for (int i = 0; i < entries.size(); i++) { // one writer, as under the store's write lock
            order.add(entries.get(i));
            published.set(i + 1);
        }
        for (Thread t : readers) {
            t.join();
        }
        assertThat(failure.get()).isNull();
        List<String> sorted = new ArrayList<>(ids);
        Collections.sort(sorted);
        assertThat(walk(order, null, Integer.MAX_VALUE)).isEqualTo(sorted);
    }

    private static List<String> walk(IdOrder order, @Nullable String after, int limit) {
        List<String> page = new ArrayList<>();
        order.forEachAfter(after, e -> {
            page.add(e.id());
            return page.size() < limit;
        });
        return page;
    }

    /**
     * Distinct ids, shuffled: mostly canonical UUIDs (some sharing long prefixes), and ids that sort among them
     * or next to them: upper-case and brace forms, UUID prefixes and extensions, other names, non-ASCII.
     */
    private static List<String> ids(SplittableRandom random, int count) {
        TreeSet<String> ids = new TreeSet<>();
        UUID base = new UUID(random.nextLong(), random.nextLong());
        while (ids.size() < count) {
            UUID u = new UUID(random.nextLong(), random.nextLong());
            String s = u.toString();
            switch (random.nextInt(12)) {
                case 0 -> ids.add(s.toUpperCase(Locale.ROOT));
                case 1 -> ids.add(s.substring(0, random.nextInt(1, 36)));
                case 2 -> ids.add(s + random.nextInt(10));
                case 3 -> ids.add("agent-" + random.nextInt(1_000_000));
                case 4 -> ids.add("h\u00f6st-" + random.nextInt(1000) + "\u65e5");
                case 5 -> ids.add(new UUID(base.getMostSignificantBits(), random.nextLong()).toString());
                case 6 -> ids.add(new UUID(base.getMostSignificantBits(),
                        base.getLeastSignificantBits() ^ random.nextInt(256)).toString());
                case 7 -> ids.add(s.replace('-', '_'));
                default -> ids.add(s);
            }
        }
        List<String> shuffled = new ArrayList<>(ids);
        Collections.shuffle(shuffled, new java.util.Random(random.nextLong()));
        return shuffled;
    }
}
