package dev.agentmanager.examples.demo;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ReplicaMain} in a JVM of its own (the test's class path and JDK), its URLs once it prints
 * {@code READY}, the lines it printed, and {@code kill -9}. The child exits by itself when the test's JVM goes
 * away ({@code --exit-with-parent}: its standard input is a pipe from this JVM), and a shutdown hook kills it
 * if this JVM ends normally before {@link #close()}.
 */
final class ReplicaProcess implements AutoCloseable {
    private static final Duration READY_WITHIN = Duration.ofSeconds(60);

    final String name;
    final Process process;
    final URI enrollmentUrl;
    final URI agentUrl;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread killer;

    ReplicaProcess(String name, List<String> args) throws Exception {
        this.name = name;
        List<String> command = new ArrayList<>(List.of(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                ReplicaMain.class.getName()));
        command.addAll(args);
        command.add("--exit-with-parent");
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        killer = new Thread(process::destroyForcibly, "kill-replica-" + name);
        Runtime.getRuntime().addShutdownHook(killer);
        BufferedReader output =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread reader = new Thread(
                () -> {
                    try {
                        String line;
                        while ((line = output.readLine()) != null) {
                            lines.add(line);
                            if (line.startsWith("READY ")) {
                                ready.complete(line);
                            }
                        }
                    } catch (IOException ended) {
                        // the process is gone
                    }
                    ready.completeExceptionally(new IllegalStateException("replica " + name + " ended:\n" + output()));
                },
                "replica-" + name + "-output");
        reader.setDaemon(true);
        reader.start();
        String line;
        try {
            line = ready.get(READY_WITHIN.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            close();
            throw new IllegalStateException("replica " + name + " not ready:\n" + output(), e);
        }
        String[] parts = line.split(" ");
        enrollmentUrl = URI.create(parts[1].substring("enrollment=".length()));
        agentUrl = URI.create(parts[2].substring("agent=".length()));
    }

    /** SIGKILL: no shutdown hook, no flush, as a crashed machine. */
    void killHard() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** Whether the replica printed that its agent endpoint refused a certificate of this agent. */
    boolean refusedHandshakeOf(String agentId) {
        return lines.stream().anyMatch(l -> l.startsWith("REFUSED agent=" + agentId + " "));
    }

    String output() {
        return String.join("\n", lines);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            killHard();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }
}
