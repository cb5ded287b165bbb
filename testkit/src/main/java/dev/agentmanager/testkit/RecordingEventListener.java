package dev.agentmanager.testkit;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.event.AgentEventListener;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * An {@link AgentEventListener} that remembers every event, in the order received, for assertions.
 *
 * <p>Thread-safe: events may arrive from any number of threads while a test reads them. Reads return
 * snapshots that later events do not change.
 *
 * <pre>{@code
 * RecordingEventListener events = new RecordingEventListener();
 * AgentManager manager = AgentManager.builder().listener(events)...build();
 * ...
 * assertThat(events.single(AgentEvent.AgentRegistered.class).agent().id()).isEqualTo(agentId);
 * }</pre>
 */
public final class RecordingEventListener implements AgentEventListener {

    private final ConcurrentLinkedQueue<AgentEvent> received = new ConcurrentLinkedQueue<>();

    @Override
    public void onEvent(AgentEvent event) {
        received.add(requireNonNull(event, "event"));
    }

    /** Every event received so far, oldest first. */
    public List<AgentEvent> events() {
        return List.copyOf(received);
    }

    /** The events of one type received so far, oldest first. */
    public <T extends AgentEvent> List<T> events(Class<T> type) {
        requireNonNull(type, "type");
        List<T> matching = new ArrayList<>();
        for (AgentEvent e : received) {
            if (type.isInstance(e)) {
                matching.add(type.cast(e));
            }
        }
        return List.copyOf(matching);
    }

    /** How many events of one type were received. */
    public int count(Class<? extends AgentEvent> type) {
        return events(type).size();
    }

    /**
     * The most recent event of a type.
     *
     * @throws AssertionError if there is none
     */
    public <T extends AgentEvent> T last(Class<T> type) {
        List<T> matching = events(type);
        if (matching.isEmpty()) {
            throw new AssertionError("no " + type.getSimpleName() + " event; received " + events());
        }
        return matching.get(matching.size() - 1);
    }

    /**
     * The only event of a type.
     *
     * @throws AssertionError if there is none or more than one
     */
    public <T extends AgentEvent> T single(Class<T> type) {
        List<T> matching = events(type);
        if (matching.size() != 1) {
            throw new AssertionError("expected exactly one " + type.getSimpleName() + " event but got "
                    + matching.size() + "; received " + events());
        }
        return matching.get(0);
    }

    /** Forgets every event received so far. */
    public void clear() {
        received.clear();
    }

    @Override
    public String toString() {
        return "RecordingEventListener" + events();
    }
}
