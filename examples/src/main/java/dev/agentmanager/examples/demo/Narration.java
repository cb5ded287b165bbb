package dev.agentmanager.examples.demo;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.event.AgentEventListener;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the demo prints while its story plays: numbered steps, lines stamped with the time since the story
 * began, and the library's lifecycle events as every replica publishes them.
 */
final class Narration {
    private final PrintStream out;
    private final Map<String, String> names = new ConcurrentHashMap<>(); // agent id -> name
    private volatile Instant start = Instant.now();
    private int step;

    Narration(PrintStream out) {
        this.out = out;
    }

    PrintStream out() {
        return out;
    }

    /** Time stamps count from now on. */
    void restartClock() {
        start = Instant.now();
    }

    Duration elapsed() {
        return Duration.between(start, Instant.now());
    }

    void step(String title) {
        out.printf(Locale.ROOT, "%n== %d. %s ==%n", ++step, title);
    }

    void say(String line) {
        out.printf(Locale.ROOT, "[%5.1fs] %s%n", elapsed().toMillis() / 1000.0, line);
    }

    /** Narrates the events that show the lifecycle. */
    AgentEventListener listener() {
        return event -> {
            if (event instanceof AgentEvent.AgentRegistered e) {
                names.put(e.agent().id(), e.agent().name());
                say("event: " + e.agent().name() + " registered (PENDING), id "
                        + e.agent().id());
            } else if (event instanceof AgentEvent.AgentActivated e) {
                say("event: " + name(e.agentId()) + " " + e.previousStatus() + " -> ACTIVE");
            } else if (event instanceof AgentEvent.AgentInactivated e) {
                say("event: " + name(e.agentId()) + " -> INACTIVE (" + e.reason() + ")");
            } else if (event instanceof AgentEvent.AgentRevoked e) {
                say("event: " + name(e.agentId()) + " REVOKED with "
                        + e.revokedSerials().size() + " certificate(s)");
            } else if (event instanceof AgentEvent.AgentRestarted e) {
                say("event: " + name(e.agentId()) + " restarted (new boot epoch)");
            } else if (event instanceof AgentEvent.RegistrationRejected e) {
                say("event: registration rejected, token " + e.tokenId() + ": " + e.reason());
            } else if (event instanceof AgentEvent.TaskRequeued e) {
                say("event: task ..." + tail(e.taskId()) + " attempt " + e.endedAttempt() + " on " + name(e.agentId())
                        + " ended (" + e.reason() + "); "
                        + (e.started() ? "it had started, the task is idempotent: " : "it never started: ")
                        + "queued again");
            } else if (event instanceof AgentEvent.TaskFinished e) {
                say("event: task ..." + tail(e.taskId()) + " " + e.status()
                        + (e.agentId() == null ? "" : " on " + name(e.agentId()))
                        + (e.reason() == null ? "" : " (" + e.reason() + ")"));
            }
        };
    }

    private static String tail(String id) {
        return id.length() <= 12 ? id : id.substring(id.length() - 12);
    }

    private String name(String agentId) {
        return names.getOrDefault(agentId, agentId);
    }

    static String human(Duration d) {
        return d.toMillis() % 1000 == 0 && d.toMillis() >= 1000 && d.toMillis() < 60_000
                ? d.toSeconds() + " s"
                : d.toMillis() >= 60_000
                        ? d.toMinutes() + " min"
                        : d.toMillis() < 1000
                                ? d.toMillis() + " ms"
                                : String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
