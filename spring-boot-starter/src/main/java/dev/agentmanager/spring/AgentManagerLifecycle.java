package dev.agentmanager.spring;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.AgentManager;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the manager (its timeout monitor and revocation feed reader) when the application context starts and
 * closes it when the context stops. Its phase puts it before the web server on start and after it on stop, so no
 * request reaches a manager that is not sweeping.
 */
public final class AgentManagerLifecycle implements SmartLifecycle {
    /** Before the web server's phases (start) and after them (stop). */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private final AgentManager manager;
    private volatile boolean running;

    public AgentManagerLifecycle(AgentManager manager) {
        this.manager = requireNonNull(manager, "manager");
    }

    @Override
    public synchronized void start() {
        if (!manager.timeoutMonitor().isRunning()) {
            manager.start();
        }
        running = true;
    }

    @Override
    public synchronized void stop() {
        manager.close();
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
