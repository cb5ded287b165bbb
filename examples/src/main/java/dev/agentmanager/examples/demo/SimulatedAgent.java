package dev.agentmanager.examples.demo;

import dev.agentmanager.examples.AgentClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A simulated agent on its own thread: registers with {@link AgentClient} (or starts again from its files),
 * then heartbeats at the interval the server asks for until stopped. After three failures in a row it gives
 * up, as an agent whose certificate is no longer accepted would. When a heartbeat reply says tasks wait, it
 * claims one and works on it, one step per heartbeat ({@link TaskWork}).
 */
final class SimulatedAgent {
    private final String name;
    private final Path directory;
    private final Consumer<String> narrator;
    private final Thread thread;
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile @Nullable AgentClient client;
    private volatile @Nullable String lastError;
    private @Nullable TaskWork work; // only the agent's thread touches it

    private SimulatedAgent(String name, Path directory, Consumer<String> narrator, Startup startup) {
        this.name = name;
        this.directory = directory;
        this.narrator = narrator;
        this.thread = new Thread(() -> run(startup), "agent-" + name);
        this.thread.setDaemon(true);
    }

    @FunctionalInterface
    private interface Startup {
        AgentClient start() throws IOException;
    }

    /**
     * A new agent: registers with its one-time token through {@code enrollmentUrl}, then heartbeats to
     * {@code agentUrl} (another replica's agent endpoint), or to the one registration names when null.
     */
    static SimulatedAgent enroll(
            String name,
            List<Api.CapabilityView> capabilities,
            URI enrollmentUrl,
            @Nullable URI agentUrl,
            Api.TokenCreated token,
            Path directory,
            Consumer<String> narrator) {
        SimulatedAgent agent = new SimulatedAgent(name, directory, narrator, () -> {
            AgentClient client =
                    AgentClient.register(enrollmentUrl, token.token(), token.trustPin(), name, capabilities, directory);
            if (agentUrl != null) {
                client.talkTo(agentUrl);
            }
            return client;
        });
        agent.thread.start();
        return agent;
    }

    /** The same agent after a restart: its key and certificate come from its files. */
    SimulatedAgent restart() {
        SimulatedAgent agent = new SimulatedAgent(name, directory, narrator, () -> AgentClient.load(directory));
        agent.thread.start();
        return agent;
    }

    private void run(Startup startup) {
        AgentClient agent;
        try {
            agent = startup.start();
        } catch (IOException | RuntimeException e) {
            lastError = e.toString();
            narrator.accept(name + ": could not start: " + e.getMessage());
            return;
        }
        client = agent;
        long waitMillis = 0;
        int failures = 0;
        boolean renewedBefore = false;
        while (!await(waitMillis)) {
            try {
                TaskWork current = work;
                AgentClient.Beat beat = agent.heartbeat(current == null ? List.of() : List.of(current.attempt()));
                if (beat.renewed() && !renewedBefore) {
                    renewedBefore = true;
                    narrator.accept(
                            name + ": told to renew; new key, new certificate " + short12(agent.certificateSerial()));
                }
                waitMillis = beat.reply().nextHeartbeatInMillis();
                work = TaskWork.next(current, agent, beat.reply(), line -> narrator.accept(name + ": " + line));
                failures = 0;
                lastError = null;
            } catch (JsonHttp.Refused e) {
                failures++;
                lastError = e.getMessage();
                narrator.accept(name + ": heartbeat refused: " + e.getMessage());
                waitMillis = 200;
            } catch (IOException e) {
                // With TLS 1.3 the client sends its certificate last: a refusal shows as a closed connection.
                failures++;
                lastError = e.getMessage();
                narrator.accept(name + ": connection failed: " + rootCause(e));
                waitMillis = 200;
            }
            if (failures >= 3) {
                narrator.accept(name + ": giving up after " + failures + " failures in a row");
                return;
            }
        }
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** Waits up to {@code millis}; true once stopped. */
    private boolean await(long millis) {
        try {
            return stop.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** Stops heartbeating, like a crashed process (its files stay). Waits for the thread to end. */
    void stop() {
        stop.countDown();
        try {
            thread.join(Duration.ofSeconds(15).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    String name() {
        return name;
    }

    /** The agent's id once registered. */
    @Nullable
    String agentId() {
        AgentClient c = client;
        return c == null ? null : c.agentId();
    }

    /** Whether the agent's thread has ended (stopped, or gave up). */
    boolean stopped() {
        return !thread.isAlive();
    }

    @Nullable
    String lastError() {
        return lastError;
    }

    static String short12(String serial) {
        return serial.length() <= 12 ? serial : serial.substring(0, 12);
    }
}
