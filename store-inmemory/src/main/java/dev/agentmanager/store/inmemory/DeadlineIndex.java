package dev.agentmanager.store.inmemory;

import dev.agentmanager.model.Agent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The watched agents ordered by deadline, so that finding the overdue ones costs in proportion to their number
 * rather than to the fleet.
 *
 * <p>Filing is lazy: a heartbeat moves an agent's deadline later without touching the index (the common case
 * is then one comparison). When a sweep reaches an entry whose agent's deadline has since moved later, it files
 * the agent again under the new deadline; an agent that is no longer watched is dropped. So each live agent is
 * re-filed about once per timeout, and a sweep examines the overdue agents plus those re-filings. An agent
 * whose deadline moves earlier than where it is filed (the clock stepped back, a shorter timeout) is re-filed
 * at once, so that it is never found late.
 */
final class DeadlineIndex {
    private record Key(Instant deadline, String agentId) {}

    private static final Comparator<Key> ORDER =
            Comparator.comparing(Key::deadline).thenComparing(Key::agentId);

    private final ConcurrentSkipListMap<Key, AgentSlot> entries = new ConcurrentSkipListMap<>(ORDER);

    /**
     * Files the slot under its agent's deadline if it is watched and not yet filed at or before that deadline;
     * drops it if it is not watched. Hold the slot's monitor.
     */
    void file(AgentSlot slot) {
        Agent agent = slot.agent;
        Instant filedAt = slot.filedAt;
        if (!AgentSlot.isWatched(agent.status())) {
            return; // dropped lazily when a sweep reaches it
        }
        Instant deadline = agent.liveness().deadline();
        if (filedAt != null && !deadline.isBefore(filedAt)) {
            return; // filed early enough: a sweep re-files it when it gets there
        }
        if (filedAt != null) {
            entries.remove(new Key(filedAt, agent.id()), slot);
        }
        entries.put(new Key(deadline, agent.id()), slot);
        slot.filedAt = deadline;
    }

    /**
     * Up to {@code limit} watched agents whose deadline is before {@code now}, mapped by {@code read} under
     * their slot's monitor. Re-files or drops the entries it passes that are not overdue.
     */
    <T> List<T> overdue(Instant now, int limit, Function<Agent, T> read) {
        List<T> found = new ArrayList<>(Math.min(limit, 64));
        Map<Key, AgentSlot> due = entries.headMap(new Key(now, ""), false);
        for (Iterator<Map.Entry<Key, AgentSlot>> it = due.entrySet().iterator();
                it.hasNext() && found.size() < limit; ) {
            Map.Entry<Key, AgentSlot> e = it.next();
            AgentSlot slot = e.getValue();
            T item = examine(e.getKey(), slot, now, read);
            if (item != null) {
                found.add(item);
            }
        }
        return found;
    }

    private <T> @Nullable T examine(Key key, AgentSlot slot, Instant now, Function<Agent, T> read) {
        synchronized (slot) {
            if (!key.deadline().equals(slot.filedAt)) {
                entries.remove(key, slot); // a stale entry left by a move
                return null;
            }
            Agent agent = slot.agent;
            if (!AgentSlot.isWatched(agent.status())) {
                entries.remove(key, slot);
                slot.filedAt = null;
                return null;
            }
            Instant deadline = agent.liveness().deadline();
            if (deadline.isBefore(now)) {
                return read.apply(agent); // stays filed: returned again until it is expired or beats
            }
            entries.remove(key, slot);
            entries.put(new Key(deadline, agent.id()), slot);
            slot.filedAt = deadline;
            return null;
        }
    }

    /** How many entries the index holds (stale ones included); for tests. */
    int size() {
        return entries.size();
    }
}
