package dev.agentmanager.store.inmemory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A hashed timing wheel over deadlines with lazy re-filing: the deadline index behind
 * {@link InMemoryAgentStore#findOverdue}.
 *
 * <p>Each watched node is filed in the bucket of one tick (its deadline divided by the tick length, modulo
 * the wheel size). A heartbeat that moves a deadline later only writes the node's deadline field; the node
 * stays where it is. When a sweep reaches the node's bucket it reads the current deadline: if the deadline is
 * not yet reached it re-files the node in the bucket of that deadline (without asking whether the node is still
 * watched, see {@link #examine}); otherwise it drops the node when it is no longer watched (its agent left
 * ACTIVE/PENDING) and reports it overdue when it is. A sweep therefore costs the buckets it passes plus the
 * nodes filed in them, never the whole fleet. A node whose agent keeps beating is examined about once per
 * timeout: a sweep re-files it at its deadline, at most one timeout ahead, and examines it again then. That is
 * the least an index that heartbeats do not update can do, since it must look at each node again by the
 * deadline it last read.
 *
 * <p>Invariants, guarded by the wheel's lock:
 * <ul>
 *   <li>A node's {@code filedTick} is never after the tick of its current deadline. Deadlines that move
 *       later keep this; a deadline that moves earlier must be followed by {@link #update} (the store does
 *       that after a heartbeat).</li>
 *   <li>Every filed tick is {@code >= cursor}; every bucket tick before {@code cursor} has been swept.</li>
 *   <li>Nodes found overdue move to a separate list that every sweep examines first, so an overdue node
 *       that the caller does not expire is reported again by the next sweep, and one whose deadline was
 *       extended meanwhile goes back into the wheel.</li>
 * </ul>
 * If the clock jumps further than one rotation, a sweep visits each bucket once and examines every node
 * filed at or before the current tick; a clock stepped back finds nothing in the wheel (filed ticks are not
 * after their deadlines) and re-files overdue-list nodes that are no longer due.
 *
 * <p>Lock order: the wheel's lock, then a node's monitor. Callers must not hold a node's monitor when they
 * call into the wheel, except for {@link #tryRemoveUnwatched}, which never waits for the lock.
 */
final class DeadlineWheel<N extends DeadlineWheel.Node> {

    /** The node is in no bucket. */
    static final long NOT_FILED = Long.MIN_VALUE;
    /** The node is in the overdue list. */
    static final long OVERDUE = Long.MIN_VALUE + 1;
    /** Ticks are clamped to +-2^60 so that differences never overflow. */
    private static final long TICK_BOUND = 1L << 60;
    private static final long MAX_SECONDS_FOR_MILLIS = Long.MAX_VALUE / 1000 - 1;

    /**
     * What the wheel needs from an entry: links, its filed tick, and (read while holding the node's monitor)
     * whether it is watched and its deadline.
     */
    abstract static class Node {
        // guarded by the wheel's lock
        @Nullable Node prev;
        @Nullable Node next;
        /** The tick of the bucket the node is in, {@link #NOT_FILED} or {@link #OVERDUE}; written under the wheel's lock. */
        volatile long filedTick = NOT_FILED;

        /**
         * Whether the node belongs in the index; called holding the node's monitor. (A sweep also calls the
         * three methods without the monitor, only to warm caches, and ignores the values: they must be plain
         * field reads without side effects.)
         */
        abstract boolean watched();

        /** Deadline, epoch seconds; called holding the node's monitor (see {@link #watched()}). */
        abstract long deadlineSecond();

        /** Deadline, nanosecond of the second; called holding the node's monitor (see {@link #watched()}). */
        abstract int deadlineNano();
    }

    private final long tickMillis;
    private final int mask;
    private final @Nullable Node[] heads;
    private @Nullable Node overdueHead;
    private long cursor = Long.MAX_VALUE;
    private int filed;
    private long examined;
    private final ReentrantLock lock = new ReentrantLock();
    /** How many nodes of a bucket {@link #poll} collects before examining them. */
    private static final int RUN = 64;
    /** The run being examined; guarded by the lock, empty between polls. */
    private final @Nullable Node[] run = new Node[RUN];
    /** Sum of the cache-warming reads, kept so that the compiler cannot drop them; guarded by the lock. */
    private long warmed;

    /**
     * @param tickMillis bucket width in milliseconds, at least 1
     * @param size number of buckets, a power of two
     */
    DeadlineWheel(long tickMillis, int size) {
        if (tickMillis < 1) {
            throw new IllegalArgumentException("tick must be at least 1 ms, got " + tickMillis);
        }
        if (size < 1 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("wheel size must be a power of two, got " + size);
        }
        this.tickMillis = tickMillis;
        this.mask = size - 1;
        this.heads = new Node[size];
    }

    /** The tick containing an instant, clamped to {@code +-2^60}. */
    long tickOf(long epochSecond, int nano) {
        long seconds = Math.max(-MAX_SECONDS_FOR_MILLIS, Math.min(MAX_SECONDS_FOR_MILLIS, epochSecond));
        long tick = Math.floorDiv(seconds * 1000 + nano / 1_000_000, tickMillis);
        return Math.max(-TICK_BOUND, Math.min(TICK_BOUND, tick));
    }

    /**
     * Brings a node's filing up to date after its watched state or its deadline changed: files it if it is
     * watched and not filed, and moves it to an earlier bucket if its deadline moved before its filed tick.
     * Cheap and idempotent; must not be called holding the node's monitor.
     */
    void update(N node) {
        lock.lock();
        try {
            boolean watched;
            long tick;
            synchronized (node) {
                watched = node.watched();
                tick = tickOf(node.deadlineSecond(), node.deadlineNano());
            }
            long current = node.filedTick;
            if (current == NOT_FILED) {
                if (watched) {
                    link(node, tick);
                }
            } else if (current != OVERDUE && tick < current) {
                unlink(node);
                link(node, tick);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes a node that just stopped being watched out of the index if the wheel's lock is free at this moment;
     * otherwise the node stays until a sweep drops it. The store calls this right after expiring an agent,
     * while its entry is in cache, so that the next sweep need not drop it. The caller holds the node's
     * monitor (so the node cannot be watched again meanwhile): that is the reverse of the lock order, which is
     * why this only tries the lock and never waits for it.
     */
    void tryRemoveUnwatched(N node) {
        if (lock.tryLock()) {
            try {
                unlink(node);
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Whether a deadline at this tick would need {@link #update} for a node filed at {@code filedTick}: true
     * when the deadline tick is before the filed tick (never for unfiled or overdue-listed nodes).
     */
    static boolean needsRefile(long deadlineTick, long filedTick) {
        return deadlineTick < filedTick;
    }

    /**
     * Finds up to {@code limit} watched nodes whose deadline is before {@code now}. For each one,
     * {@code snapshot} is applied while its monitor is held (so that the snapshot agrees with the check).
     * Nodes reported stay in the overdue list until they stop being watched or their deadline moves.
     */
    <R> List<R> poll(long nowSecond, int nowNano, int limit, Function<? super N, R> snapshot) {
        List<R> out = new ArrayList<>(Math.min(limit, 64));
        lock.lock();
        try {
            long nowTick = tickOf(nowSecond, nowNano);
            Node n = overdueHead;
            while (n != null && out.size() < limit) {
                Node next = n.next;
                examine(n, nowSecond, nowNano, nowTick, snapshot, out);
                n = next;
            }
            if (out.size() >= limit || nowTick < cursor) {
                return out;
            }
            // Visit the ticks from the cursor to now. After a jump of more than one rotation, visit only the
            // last rotation: that is every bucket once, and for each bucket the tick t visited is the latest one
            // it stands for, so "filed at or before t" covers everything filed there up to now.
            boolean wrapped = nowTick - cursor > mask;
            long from = wrapped ? nowTick - mask : cursor;
            for (long t = from; t <= nowTick; t++) {
                n = heads[(int) (t & mask)];
                while (n != null) {
                    // Walk a run of the chain first, collecting the nodes due at t and reading (without their
                    // monitors, only to bring them into cache) the fields that examine() reads under the
                    // monitor: the cache misses of a run then overlap instead of each waiting behind the
                    // previous node's monitor. Examining a collected node moves only that node, so the
                    // successor of the run is still in this bucket afterwards.
                    int count = 0;
                    long touched = 0;
                    while (n != null && count < RUN) {
                        if (n.filedTick <= t) {
                            run[count++] = n;
                            long second = n.deadlineSecond();
                            int nano = n.deadlineNano();
                            touched += second + nano;
                            if (isBefore(second, nano, nowSecond, nowNano)) {
                                touched += n.watched() ? 1 : 0; // only a due node's watched state is read
                            }
                        }
                        n = n.next;
                    }
                    warmed += touched;
                    for (int i = 0; i < count; i++) {
                        Node m = run[i];
                        run[i] = null;
                        examine(m, nowSecond, nowNano, nowTick, snapshot, out);
                        if (out.size() >= limit) {
                            Arrays.fill(run, i + 1, count, null);
                            if (!wrapped) {
                                cursor = t; // this bucket may hold more: resume here
                            }
                            return out;
                        }
                    }
                }
            }
            cursor = nowTick;
            return out;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Re-files, drops or reports one node. The re-filing happens while the node's monitor is held: a heartbeat
     * that moves the deadline earlier either comes first (and this reads its deadline) or comes after and then
     * sees the new {@code filedTick} and calls {@link #update}, so a node is never left filed after its
     * deadline. A node that is not due is re-filed even if it is no longer watched; it is dropped the first
     * time a sweep finds it due, and until then costs what a watched node costs (one examination per re-file).
     */
    @SuppressWarnings("unchecked")
    private <R> void examine(Node n, long nowSecond, int nowNano, long nowTick, Function<? super N, R> snapshot,
            List<R> out) {
        examined++;
        synchronized (n) {
            long deadlineSecond = n.deadlineSecond();
            int deadlineNano = n.deadlineNano();
            if (!isBefore(deadlineSecond, deadlineNano, nowSecond, nowNano)) {
                // Not due: re-file it at its deadline without asking whether it is still watched. Most nodes a
                // sweep examines are in this case, and the watched state may live in another cache line than
                // the deadline (it does in the store's entries): a re-file then costs one line fewer. A node
                // that is no longer watched is dropped the first time it is found due.
                long tick = tickOf(deadlineSecond, deadlineNano);
                if (tick != n.filedTick) {
                    unlink(n);
                    link(n, tick);
                }
                return;
            }
            if (!n.watched()) {
                unlink(n);
                return;
            }
            out.add(snapshot.apply((N) n));
            if (n.filedTick != OVERDUE) {
                unlink(n);
                linkOverdue(n);
            }
        }
    }

    private static boolean isBefore(long second, int nano, long otherSecond, int otherNano) {
        return second < otherSecond || (second == otherSecond && nano < otherNano);
    }

    private void link(Node n, long tick) {
        int b = (int) (tick & mask);
        Node head = heads[b];
        n.prev = null;
        n.next = head;
        if (head != null) {
            head.prev = n;
        }
        heads[b] = n;
        n.filedTick = tick;
        if (tick < cursor) {
            cursor = tick;
        }
        filed++;
    }

    private void linkOverdue(Node n) {
        Node head = overdueHead;
        n.prev = null;
        n.next = head;
        if (head != null) {
            head.prev = n;
        }
        overdueHead = n;
        n.filedTick = OVERDUE;
        filed++;
    }

    private void unlink(Node n) {
        long tick = n.filedTick;
        if (tick == NOT_FILED) {
            return;
        }
        Node prev = n.prev;
        Node next = n.next;
        if (prev != null) {
            prev.next = next;
        } else if (tick == OVERDUE) {
            overdueHead = next;
        } else {
            heads[(int) (tick & mask)] = next;
        }
        if (next != null) {
            next.prev = prev;
        }
        n.prev = null;
        n.next = null;
        n.filedTick = NOT_FILED;
        filed--;
    }

    /** How many nodes are filed (buckets and overdue list); for tests and diagnostics. */
    int size() {
        lock.lock();
        try {
            return filed;
        } finally {
            lock.unlock();
        }
    }

    /** How many nodes are in the overdue list; for tests. */
    int overdueListSize() {
        lock.lock();
        try {
            int count = 0;
            for (Node n = overdueHead; n != null; n = n.next) {
                count++;
            }
            return count;
        } finally {
            lock.unlock();
        }
    }

    /** How many node examinations all polls made so far; for tests that check a sweep's cost. */
    long examined() {
        lock.lock();
        try {
            return examined;
        } finally {
            lock.unlock();
        }
    }

    long tickMillis() {
        return tickMillis;
    }

    int buckets() {
        return mask + 1;
    }
}
