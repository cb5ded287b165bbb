package dev.agentmanager.store.inmemory;

import dev.agentmanager.model.Agent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The watched agents by deadline, in buckets of {@link #TICK_MILLIS} (a timing wheel over a sorted map), so that
 * finding the overdue ones costs in proportion to their number rather than to the fleet.
 *
 * <p>Filing is lazy: a heartbeat moves an agent's deadline later without touching the index (the common case is
 * one comparison). When a sweep reaches a bucket, it files each agent whose deadline has since moved later into
 * that deadline's bucket, and drops agents that are no longer watched. So each live agent is re-filed about once
 * per timeout, at the cost of two hash-set operations; a sorted map per agent would cost a tree search per
 * re-filing, which at a million agents is most of a sweep (the sweep rows of the benchmark suite). An agent whose
 * deadline moves earlier than its bucket (the clock stepped back, a shorter timeout) is re-filed at once, so
 * that it is never found late.
 *
 * <p>One lock guards the buckets and the writes of every slot's {@link AgentSlot#filedAt}. A heartbeat whose
 * deadline moved later sees that without the lock (both fields are volatile); sweeps and the rare writes that
 * must re-file take it. Holding it, this class never waits for a slot's monitor (it reads
 * {@link AgentSlot#agent}, which is volatile), so it cannot deadlock with writers that hold one. A writer sets
 * {@code agent} and then reads {@code filedAt}; a sweep that drops a slot clears {@code filedAt} and then reads
 * {@code agent} again: one of the two always sees the other's write, so a slot that became watched meanwhile is
 * filed by one of them.
 */
final class DeadlineIndex {
    /** Width of one bucket. */
    static final long TICK_MILLIS = 100;

    private final TreeMap<Long, Set<AgentSlot>> buckets = new TreeMap<>();
    private int size;

    /**
     * Files the slot under its agent's deadline if the agent is watched and not yet filed at or before that
     * deadline's bucket. Call after writing {@link AgentSlot#agent}.
     */
    void file(AgentSlot slot) {
        Agent agent = slot.agent;
        if (!AgentSlot.isWatched(agent.status())) {
            return; // dropped when a sweep reaches it
        }
        long tick = tick(agent.liveness().deadline());
        Long filed = slot.filedAt;
        if (filed != null && filed <= tick) {
            return; // filed early enough: a sweep re-files it when it gets there (every beat but a few)
        }
        synchronized (this) {
            filed = slot.filedAt;
            if (filed != null && filed <= tick) {
                return;
            }
            if (filed != null) {
                remove(filed, slot);
            }
            add(tick, slot);
        }
    }

    /**
     * Up to {@code limit} watched agents whose deadline is before {@code now}, mapped by {@code read}. Re-files
     * or drops what it passes that is not overdue; overdue agents stay filed until a write unwatches them.
     */
    synchronized <T> List<T> overdue(Instant now, int limit, Function<Agent, T> read) {
        List<T> found = new ArrayList<>(Math.min(limit, 64));
        long nowTick = tick(now);
        List<AgentSlot> refile = new ArrayList<>();
        Iterator<Map.Entry<Long, Set<AgentSlot>>> due =
                buckets.headMap(nowTick, true).entrySet().iterator();
        while (due.hasNext() && found.size() < limit) {
            Map.Entry<Long, Set<AgentSlot>> bucket = due.next();
            for (Iterator<AgentSlot> it = bucket.getValue().iterator(); it.hasNext() && found.size() < limit; ) {
                AgentSlot slot = it.next();
                Agent agent = slot.agent;
                if (!AgentSlot.isWatched(agent.status())) {
                    it.remove();
                    size--;
                    slot.filedAt = null;
                    if (AgentSlot.isWatched(slot.agent.status())) {
                        refile.add(slot); // watched again meanwhile: its writer may have missed the drop
                    }
                } else if (agent.liveness().deadline().isBefore(now)) {
                    found.add(read.apply(agent));
                } else if (tick(agent.liveness().deadline()) != bucket.getKey()) {
                    it.remove(); // moved later: file it where it is due now, once this walk is done
                    size--;
                    slot.filedAt = null;
                    refile.add(slot);
                }
            }
            if (bucket.getValue().isEmpty()) {
                due.remove();
            }
        }
        for (AgentSlot slot : refile) {
            if (slot.filedAt == null) {
                add(tick(slot.agent.liveness().deadline()), slot);
            }
        }
        return found;
    }

    /** How many agents the index holds; for tests. */
    synchronized int size() {
        return size;
    }

    private void add(long tick, AgentSlot slot) {
        if (buckets.computeIfAbsent(tick, t -> new HashSet<>()).add(slot)) {
            size++;
        }
        slot.filedAt = tick;
    }

    private void remove(long tick, AgentSlot slot) {
        Set<AgentSlot> bucket = buckets.get(tick);
        if (bucket != null && bucket.remove(slot)) {
            size--;
            if (bucket.isEmpty()) {
                buckets.remove(tick);
            }
        }
        slot.filedAt = null;
    }

    private static long tick(Instant instant) {
        return instant.getEpochSecond() * (1000 / TICK_MILLIS) + instant.getNano() / (TICK_MILLIS * 1_000_000);
    }
}
