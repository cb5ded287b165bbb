package dev.agentmanager.event;

/**
 * Receives {@link AgentEvent}s after the state change they describe is stored.
 *
 * <p>Listeners run on the thread that caused the event (a heartbeat, an operator call, the timeout
 * monitor). Keep them quick; hand slow work to your own executor. A listener that throws is logged and
 * skipped: it cannot break the manager or stop other listeners.
 */
@FunctionalInterface
public interface AgentEventListener {

    /** A listener that ignores everything. */
    AgentEventListener NO_OP = event -> {};

    void onEvent(AgentEvent event);
}
