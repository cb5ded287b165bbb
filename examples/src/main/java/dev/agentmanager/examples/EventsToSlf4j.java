package dev.agentmanager.examples;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.event.AgentEventListener;
import dev.agentmanager.model.InactiveReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Agent events into the host's logging through the SLF4J API: one line per event, at a level that says
 * whether someone should look, with the event's type as a key-value for structured log encoders.
 *
 * <pre>{@code
 * AgentManager manager = AgentManager.builder()
 *         .store(store)
 *         .certificateService(ca)
 *         .listener(new EventsToSlf4j())              // logger "dev.agentmanager.events"
 *         .build();
 * }</pre>
 *
 * The library's own log lines use {@link System.Logger}; to send those to SLF4J as well, put
 * {@code org.slf4j:slf4j-jdk-platform-logging} on the runtime class path (no code). Neither path ever sees a
 * token's secret: events carry token ids only.
 */
public final class EventsToSlf4j implements AgentEventListener {
    private final Logger log;

    /** Logs to {@code dev.agentmanager.events}. */
    public EventsToSlf4j() {
        this(LoggerFactory.getLogger("dev.agentmanager.events"));
    }

    public EventsToSlf4j(Logger log) {
        this.log = requireNonNull(log, "log");
    }

    @Override
    public void onEvent(AgentEvent event) {
        log.atLevel(level(event))
                .addKeyValue("event", event.getClass().getSimpleName())
                .log(describe(event));
    }

    /** WARN for what may need a person (refusals, lock-outs, agents lost, mass-expiry protection), else INFO. */
    static Level level(AgentEvent event) {
        if (event instanceof AgentEvent.AgentInactivated e) {
            return e.reason() == InactiveReason.OPERATOR ? Level.INFO : Level.WARN;
        }
        if (event instanceof AgentEvent.GracePeriodGranted e) {
            return e.pausedFor() == null ? Level.INFO : Level.WARN; // null: the monitor just started
        }
        boolean warn = event instanceof AgentEvent.RegistrationRejected
                || event instanceof AgentEvent.TokenLocked
                || event instanceof AgentEvent.HeartbeatRejected
                || event instanceof AgentEvent.AgentRevoked
                || event instanceof AgentEvent.ExpiriesHeld;
        return warn ? Level.WARN : Level.INFO;
    }

    /** A short line; records print their fields, except that a registration prints the agent briefly. */
    static String describe(AgentEvent event) {
        if (event instanceof AgentEvent.AgentRegistered e) {
            return "agent " + e.agent().id() + " (" + e.agent().name() + ") registered with capabilities "
                    + e.agent().capabilities();
        }
        return event.toString();
    }
}
