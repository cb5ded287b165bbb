package dev.agentmanager.store.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The deadline index on its own: filing, lazy re-filing, clock jumps, limits, cost and concurrency. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DeadlineWheelTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    /** A node whose deadline and watched state a test sets, as the store's entries do under their monitor. */
    static final class TestNode extends DeadlineWheel.Node {
        final String name;
        private boolean watched = true;
        private long second;
        private int nano;
        /** How often the wheel read the watched state (with or without the monitor). */
        int watchedReads;

        TestNode(String name, Instant deadline) {
            this.name = name;
            setDeadline(deadline);
        }

        synchronized void setDeadline(Instant deadline) {
            second = deadline.getEpochSecond();
            nano = deadline.getNano();
        }

        synchronized Instant deadline() {
            return Instant.ofEpochSecond(second, nano);
        }

        synchronized void setWatched(boolean watched) {
            this.watched = watched;
        }

        synchronized boolean isWatched() {
            return watched;
        }

        @Override
        boolean watched() {
            watchedReads++;
            return watched;
        }

        @Override
        long deadlineSecond() {
            return second;
        }

        @Override
        int deadlineNano() {
            return nano;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private final DeadlineWheel<TestNode> wheel = new DeadlineWheel<>(100, 64); // 6.4 s per rotation

    private static Instant at(double seconds) {
        return T0.plusMillis(Math.round(seconds * 1000));
    }

    private TestNode add(String name, Instant deadline) {
        TestNode n = new TestNode(name, deadline);
        wheel.update(n);
        return n;
    }

    private Set<String> poll(Instant now) {
        return poll(now, Integer.MAX_VALUE);
    }

    private Set<String> poll(Instant now, int limit) {
        List<String> found = wheel.poll(now.getEpochSecond(), now.getNano(), limit, n -> n.name);
        Set<String> names = new HashSet<>(found);
        assertThat(names).as("no duplicates").hasSize(found.size());
        return names;
    }

    @Test
    void reportsNodesStrictlyBeforeNowAndAgainUntilTheyLeave() {
        TestNode a = add("a", at(1));
        add("b", at(2));

        assertThat(poll(at(1))).isEmpty();
        assertThat(poll(at(1).plusNanos(1))).containsExactly("a");
        assertThat(poll(at(1.5))).containsExactly("a");
        assertThat(poll(at(2.001))).containsExactlyInAnyOrder("a", "b");

        a.setWatched(false);
        assertThat(poll(at(3))).containsExactly("b");
        assertThat(a.filedTick).as("dropped lazily").isEqualTo(DeadlineWheel.NOT_FILED);
        assertThat(wheel.size()).isEqualTo(1);
    }

    @Test
    void laterDeadlinesAreRefiledAtSweepTimeNotBefore() {
        TestNode a = add("a", at(1));
        long filed = a.filedTick;

        a.setDeadline(at(5)); // a heartbeat: only the field changes
        assertThat(a.filedTick).isEqualTo(filed);

        assertThat(poll(at(2))).isEmpty();
        assertThat(a.filedTick).as("re-filed when its bucket was swept").isEqualTo(wheel.tickOf(at(5).getEpochSecond(), 0));
        assertThat(poll(at(5))).isEmpty();
        assertThat(poll(at(5.1))).containsExactly("a");
    }

    @Test
    void aNodeFoundOverdueAndThenExtendedGoesBackIntoTheWheel() {
        TestNode a = add("a", at(1));
        assertThat(poll(at(2))).containsExactly("a");
        assertThat(a.filedTick).isEqualTo(DeadlineWheel.OVERDUE);

        a.setDeadline(at(10));
        assertThat(poll(at(3))).isEmpty();
        assertThat(a.filedTick).isEqualTo(wheel.tickOf(at(10).getEpochSecond(), 0));
        assertThat(wheel.overdueListSize()).isZero();
        assertThat(poll(at(10.5))).containsExactly("a");
    }

    @Test
    void earlierDeadlinesAreFoundAfterUpdate() {
        TestNode a = add("a", at(60));
        poll(at(1)); // the cursor moves past the early buckets

        a.setDeadline(at(2));
        wheel.update(a);

        assertThat(poll(at(3))).containsExactly("a");
    }

    @Test
    void rewatchedNodesAreFiledAgain() {
        TestNode a = add("a", at(1));
        a.setWatched(false);
        assertThat(poll(at(2))).isEmpty();
        assertThat(wheel.size()).isZero();

        a.setDeadline(at(4));
        a.setWatched(true);
        wheel.update(a);

        assertThat(poll(at(3))).isEmpty();
        assertThat(poll(at(4.5))).containsExactly("a");
    }

    @Test
    void updateIsIdempotent() {
        TestNode a = add("a", at(1));
        wheel.update(a);
        wheel.update(a);

        assertThat(wheel.size()).isEqualTo(1);
        assertThat(poll(at(2))).containsExactly("a");
        wheel.update(a);
        assertThat(wheel.size()).isEqualTo(1);
        assertThat(poll(at(2))).containsExactly("a");
    }

    @Test
    void anUnwatchedNodeNotYetDueIsRefiledThenDroppedWhenDue() {
        TestNode a = add("a", at(1));
        a.setDeadline(at(3));
        a.setWatched(false);

        assertThat(poll(at(2))).isEmpty();
        assertThat(a.filedTick).as("re-filed at its deadline, not dropped yet")
                .isEqualTo(wheel.tickOf(at(3).getEpochSecond(), 0));
        assertThat(poll(at(3.5))).as("due but unwatched: never reported").isEmpty();
        assertThat(a.filedTick).isEqualTo(DeadlineWheel.NOT_FILED);
        assertThat(wheel.size()).isZero();
    }

    @Test
    void anUnwatchedNodeOnTheOverdueListWhoseDeadlineMovedLaterIsDroppedWhenDueAgain() {
        TestNode a = add("a", at(1));
        assertThat(poll(at(2))).containsExactly("a");
        a.setDeadline(at(4));
        a.setWatched(false);

        assertThat(poll(at(2.5))).isEmpty();
        assertThat(wheel.overdueListSize()).isZero();
        assertThat(poll(at(4.5))).isEmpty();
        assertThat(wheel.size()).isZero();
    }

    @Test
    void rewatchingARefiledUnwatchedNodeKeepsItFiledOnce() {
        TestNode a = add("a", at(1));
        a.setDeadline(at(3));
        a.setWatched(false);
        assertThat(poll(at(2))).isEmpty(); // re-filed although unwatched

        a.setWatched(true);
        wheel.update(a); // what the store does when the agent is watched again
        assertThat(wheel.size()).isEqualTo(1);
        assertThat(poll(at(3.5))).containsExactly("a");
    }

    @Test
    void unwatchedNodesAreNotFiled() {
        TestNode a = new TestNode("a", at(1));
        a.setWatched(false);
        wheel.update(a);

        assertThat(wheel.size()).isZero();
        assertThat(poll(at(2))).isEmpty();
    }

    @Nested
    class ClockJumps {

        @Test
        void farAheadFindsEverythingDueAndNothingElse() {
            for (int i = 0; i < 200; i++) {
                add("n" + i, at(i * 37.3));
            }
            add("far", at(86_400 * 30));

            assertThat(poll(at(0.5))).containsExactly("n0");
            Set<String> after3Days = poll(at(3 * 86_400));
            assertThat(after3Days).hasSize(200).doesNotContain("far");
            assertThat(poll(at(86_400 * 30 + 1))).hasSize(201);
        }

        @Test
        void justOverOneRotationAhead() {
            add("a", at(0.05));
            add("b", at(6.45));
            add("c", at(6.55));
            add("d", at(12.0));

            assertThat(poll(at(6.5))).containsExactlyInAnyOrder("a", "b");
            assertThat(poll(at(12.85))).containsExactlyInAnyOrder("a", "b", "c", "d");
        }

        @Test
        void deadlinesSeveralRotationsAheadAreNotReportedEarly() {
            add("later", at(100)); // about 15 rotations ahead
            for (double s = 0.5; s < 100; s += 0.7) {
                assertThat(poll(at(s))).as("at %s s", s).isEmpty();
            }
            assertThat(poll(at(100.05))).containsExactly("later");
        }

        @Test
        void steppingBackReportsOnlyWhatIsDueThen() {
            add("a", at(10));
            add("b", at(20));
            assertThat(poll(at(30))).containsExactlyInAnyOrder("a", "b");

            assertThat(poll(at(15))).containsExactly("a");
            assertThat(poll(at(5))).isEmpty();
            assertThat(poll(at(12))).containsExactly("a");
            assertThat(poll(at(25))).containsExactlyInAnyOrder("a", "b");
        }

        @Test
        void extremeInstantsAreClampedNotOverflowed() {
            add("min", Instant.MIN);
            add("max", Instant.MAX);
            add("now", at(1));

            assertThat(poll(at(2))).containsExactlyInAnyOrder("min", "now");
            assertThat(poll(Instant.MAX)).containsExactlyInAnyOrder("min", "now");
        }
    }

    @Nested
    class Limits {

        @Test
        void aLimitedPollReturnsAtMostTheLimitAndResumes() {
            for (int i = 0; i < 30; i++) {
                add("n" + i, at(0.1 * i));
            }
            Set<String> drained = new HashSet<>();
            for (int round = 0; round < 5; round++) {
                List<TestNode> batch = wheel.poll(at(10).getEpochSecond(), 0, 7, n -> n);
                assertThat(batch).hasSizeLessThanOrEqualTo(7);
                for (TestNode n : batch) {
                    assertThat(drained.add(n.name)).as("reported after it left: " + n).isTrue();
                    n.setWatched(false); // the caller expires it
                }
            }
            assertThat(drained).hasSize(30);
            assertThat(poll(at(10))).isEmpty();
        }

        @Test
        void aLimitReachedInsideABucketResumesInThatBucket() {
            for (int i = 0; i < 10; i++) {
                add("n" + i, at(1)); // one deadline, one bucket (as after a grace period)
            }
            add("later", at(1.5));
            Set<String> drained = new HashSet<>();
            for (int round = 0; round < 4; round++) {
                for (TestNode n : wheel.poll(at(2).getEpochSecond(), 0, 3, n -> n)) {
                    assertThat(drained.add(n.name)).isTrue();
                    n.setWatched(false);
                }
            }
            assertThat(drained).hasSize(11);
        }

        @Test
        void heldOverdueNodesDoNotHideNewOnes() {
            for (int i = 0; i < 5; i++) {
                add("held" + i, at(1));
            }
            assertThat(poll(at(2))).hasSize(5); // the caller keeps them (self-preservation)
            add("new", at(3));

            assertThat(poll(at(4))).hasSize(6).contains("new");
        }
    }

    @Nested
    class Cost {

        @Test
        void aSweepExaminesOnlyDueBuckets() {
            DeadlineWheel<TestNode> big = new DeadlineWheel<>(100, 8192);
            int fleet = 100_000;
            for (int i = 0; i < fleet; i++) {
                big.update(new TestNode("n" + i, at(90 + (i % 600) * 0.1))); // deadlines spread over 90..150 s
            }
            TestNode early = new TestNode("early", at(10));
            big.update(early);

            long before = big.examined();
            List<String> found = big.poll(at(11).getEpochSecond(), 0, 1000, n -> n.name);
            assertThat(found).containsExactly("early");
            assertThat(big.examined() - before).as("examined for one overdue among 100k").isLessThan(10);

            before = big.examined();
            found = big.poll(at(90.05).getEpochSecond(), at(90.05).getNano(), 100_000, n -> n.name);
            long examined = big.examined() - before;
            int inFirstBucket = (fleet + 599) / 600;
            assertThat(found).hasSize(1 + inFirstBucket);
            assertThat(examined).as("examined: the overdue list plus one bucket").isEqualTo(1 + inFirstBucket);
        }

        @Test
        void heartbeatsThatMoveDeadlinesLaterTouchNothingUntilTheBucketIsDue() {
            DeadlineWheel<TestNode> big = new DeadlineWheel<>(100, 8192);
            List<TestNode> nodes = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                TestNode n = new TestNode("n" + i, at(90));
                big.update(n);
                nodes.add(n);
            }
            for (TestNode n : nodes) {
                n.setDeadline(at(120)); // heartbeats
            }
            long before = big.examined();
            assertThat(big.poll(at(89).getEpochSecond(), 0, 10, n -> n)).isEmpty();
            assertThat(big.examined() - before).isZero();

            assertThat(big.poll(at(91).getEpochSecond(), 0, 10, n -> n)).isEmpty();
            assertThat(big.examined() - before).as("each re-filed once").isEqualTo(10_000);
            assertThat(big.poll(at(92).getEpochSecond(), 0, 10, n -> n)).isEmpty();
            assertThat(big.examined() - before).as("and not examined again before their new bucket").isEqualTo(10_000);
        }

        @Test
        void aRefileReadsTheDeadlineButNotTheWatchedState() {
            // In the store the watched state (the status) is in another cache line than the deadline: a sweep
            // that re-files nodes must not read it, and one that finds nodes due must.
            DeadlineWheel<TestNode> big = new DeadlineWheel<>(100, 8192);
            List<TestNode> nodes = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                TestNode n = new TestNode("n" + i, at(10));
                big.update(n);
                n.setDeadline(at(40)); // heartbeats
                n.watchedReads = 0;
                nodes.add(n);
            }
            assertThat(big.poll(at(11).getEpochSecond(), 0, 10, n -> n)).isEmpty();
            assertThat(nodes).allSatisfy(n -> assertThat(n.watchedReads).isZero());

            assertThat(big.poll(at(41).getEpochSecond(), 0, 2_000, n -> n)).hasSize(1_000);
            assertThat(nodes).allSatisfy(n -> assertThat(n.watchedReads).isPositive());
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void agreesWithABruteForceModel(long seed) {
        Random random = new Random(seed);
        DeadlineWheel<TestNode> w = new DeadlineWheel<>(10, 16); // tiny: 160 ms per rotation, lots of wrapping
        List<TestNode> nodes = new ArrayList<>();
        Instant now = T0;
        for (int step = 0; step < 3_000; step++) {
            int op = random.nextInt(100);
            if (op < 15 || nodes.isEmpty()) {
                TestNode n = new TestNode("n" + nodes.size(), now.plusMillis(random.nextInt(2_000) - 200));
                nodes.add(n);
                w.update(n);
            } else if (op < 45) {
                TestNode n = nodes.get(random.nextInt(nodes.size()));
                n.setDeadline(n.deadline().plusMillis(random.nextInt(1_000))); // heartbeat or grace: later
            } else if (op < 50) {
                TestNode n = nodes.get(random.nextInt(nodes.size()));
                n.setDeadline(now.plusMillis(random.nextInt(300) - 100)); // earlier, then update as the store does
                w.update(n);
            } else if (op < 53) {
                nodes.get(random.nextInt(nodes.size())).setWatched(false);
            } else if (op < 55) {
                TestNode n = nodes.get(random.nextInt(nodes.size())); // expired: unwatched, and taken out at once
                synchronized (n) {
                    n.setWatched(false);
                    w.tryRemoveUnwatched(n);
                }
            } else if (op < 60) {
                TestNode n = nodes.get(random.nextInt(nodes.size()));
                n.setWatched(true);
                w.update(n);
            } else if (op < 95) {
                int r = random.nextInt(100);
                if (r < 80) {
                    now = now.plusMillis(random.nextInt(50));
                } else if (r < 90) {
                    now = now.plusMillis(random.nextInt(5_000)); // a jump over many rotations
                } else {
                    now = now.minusMillis(random.nextInt(500)); // stepped back
                }
                Instant at = now;
                Set<String> expected = new HashSet<>();
                for (TestNode n : nodes) {
                    if (n.isWatched() && n.deadline().isBefore(at)) {
                        expected.add(n.name);
                    }
                }
                List<String> found = w.poll(at.getEpochSecond(), at.getNano(), Integer.MAX_VALUE, n -> n.name);
                assertThat(new HashSet<>(found)).as("step %d at %s", step, at).isEqualTo(expected);
                assertThat(found).hasSameSizeAs(expected);
                assertThat(w.overdueListSize()).as("the overdue list holds what was reported").isEqualTo(found.size());
                assertThat(w.size()).as("filed nodes").isLessThanOrEqualTo(nodes.size())
                        .isGreaterThanOrEqualTo((int) nodes.stream().filter(TestNode::isWatched).count());
            } else {
                Instant at = now;
                int limit = 1 + random.nextInt(3);
                List<TestNode> found = w.poll(at.getEpochSecond(), at.getNano(), limit, n -> n);
                assertThat(found).hasSizeLessThanOrEqualTo(limit);
                for (TestNode n : found) {
                    assertThat(n.isWatched() && n.deadline().isBefore(at)).isTrue();
                }
            }
        }
    }

    @Test
    @Timeout(60)
    void concurrentHeartbeatsAndSweepsLoseNothing() throws Exception {
        DeadlineWheel<TestNode> w = new DeadlineWheel<>(10, 64);
        int count = 2_000;
        List<TestNode> nodes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            TestNode n = new TestNode("n" + i, at(1));
            w.update(n);
            nodes.add(n);
        }
        int beaters = 3;
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < beaters; t++) {
            int first = t;
            threads.add(new Thread(() -> {
                try {
                    start.await();
                    for (int round = 1; round <= 20; round++) {
                        for (int i = first; i < count / 2; i += beaters) {
                            nodes.get(i).setDeadline(at(1 + round)); // only ever later
                        }
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            }));
        }
        threads.add(new Thread(() -> {
            try {
                start.await();
                for (int i = 0; i < 500; i++) {
                    Instant now = at(1 + (i % 20) * 0.05);
                    w.poll(now.getEpochSecond(), now.getNano(), 100, n -> n);
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }));
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(50));
        }
        assertThat(failure.get()).isNull();

        Set<String> expected = new HashSet<>();
        for (int i = count / 2; i < count; i++) {
            expected.add("n" + i);
        }
        Instant mid = at(15);
        assertThat(new HashSet<>(w.poll(mid.getEpochSecond(), mid.getNano(), count, n -> n.name))).isEqualTo(expected);
        Instant end = at(21.5);
        assertThat(w.poll(end.getEpochSecond(), end.getNano(), count, n -> n.name)).hasSize(count);
    }

    @Test
    void rejectsBadConfiguration() {
        assertThatThrownBy(() -> new DeadlineWheel<TestNode>(0, 64)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DeadlineWheel<TestNode>(100, 100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DeadlineWheel<TestNode>(100, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
