package dev.agentmanager;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.event.AgentEventListener;

/**
 * Watches a running manager: its events, and how long heartbeats and registrations take. Attach one with
 * {@link AgentManager#observe} (a metrics binder does); every method has a no-op default. Called on the thread that
 * did the work, so an implementation must be quick and thread-safe; a failure is logged and contained for events,
 * and must not happen for the timings.
 */
public interface ManagerObserver extends AgentEventListener {

    @Override
    default void onEvent(AgentEvent event) {}

    /** A heartbeat was processed in {@code nanos}: accepted, or refused with an exception. */
    default void heartbeatProcessed(long nanos, boolean accepted) {}

    /** A registration was processed in {@code nanos}: an agent registered (or a retry answered), or refused. */
    default void registrationProcessed(long nanos, boolean accepted) {}
}
