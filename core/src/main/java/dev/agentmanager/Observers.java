package dev.agentmanager;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.event.AgentEventListener;
import java.lang.System.Logger.Level;
import java.util.Arrays;

/**
 * The observers attached to a manager at run time. With none attached, the hot path pays one volatile read; the
 * array is replaced (copy on write) when one is attached or detached, which is rare.
 */
final class Observers implements AgentEventListener {
    private static final System.Logger LOG = System.getLogger(Observers.class.getName());
    private static final ManagerObserver[] NONE = new ManagerObserver[0];

    private volatile ManagerObserver[] observers = NONE;

    synchronized AutoCloseable add(ManagerObserver observer) {
        ManagerObserver[] more = Arrays.copyOf(observers, observers.length + 1);
        more[more.length - 1] = observer;
        observers = more;
        return () -> remove(observer);
    }

    private synchronized void remove(ManagerObserver observer) {
        observers = Arrays.stream(observers).filter(o -> o != observer).toArray(ManagerObserver[]::new);
    }

    /** Whether timings need measuring at all. */
    boolean isEmpty() {
        return observers.length == 0;
    }

    void heartbeatProcessed(long nanos, boolean accepted) {
        for (ManagerObserver o : observers) {
            o.heartbeatProcessed(nanos, accepted);
        }
    }

    void registrationProcessed(long nanos, boolean accepted) {
        for (ManagerObserver o : observers) {
            o.registrationProcessed(nanos, accepted);
        }
    }

    @Override
    public void onEvent(AgentEvent event) {
        for (ManagerObserver o : observers) {
            try {
                o.onEvent(event);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "observer " + o.getClass().getName() + " failed; continuing", e);
            }
        }
    }
}
