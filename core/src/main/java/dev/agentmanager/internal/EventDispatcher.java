package dev.agentmanager.internal;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.event.AgentEventListener;
import java.lang.System.Logger.Level;
import java.util.List;

/** Delivers events to every listener; a listener's failure is logged and contained. */
public final class EventDispatcher {
    private static final System.Logger LOG = System.getLogger(EventDispatcher.class.getName());

    private final AgentEventListener[] listeners;

    public EventDispatcher(List<AgentEventListener> listeners) {
        this.listeners = listeners.toArray(AgentEventListener[]::new);
    }

    public void publish(AgentEvent event) {
        for (AgentEventListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                LOG.log(
                        Level.WARNING,
                        "event listener " + listener.getClass().getName() + " failed on "
                                + event.getClass().getSimpleName() + "; continuing",
                        t);
            }
        }
    }
}
