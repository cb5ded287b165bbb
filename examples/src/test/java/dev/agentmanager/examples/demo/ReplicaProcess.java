package dev.agentmanager.examples.demo;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A {@link ReplicaMain} in a JVM of its own, its URLs once it is ready, and {@code kill -9}. */
final class ReplicaProcess implements AutoCloseable {
    final String name;
    final Process process;
    final URI enrollmentUrl;
    final URI agentUrl;
    private final StringBuffer output = new StringBuffer();

    ReplicaProcess(String name, List<String> args) throws Exception {
        this.name = name;
        List<String> command = new java.util.ArrayList<>(List.of(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                ReplicaMain.class.getName()));
        command.addAll(args);
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader lines =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                String line;
                while ((line = lines.readLine()) != null) {
                    output.append(line).append('\n');
                    if (line.startsWith("READY ")) {
                        ready.complete(line);
                    }
                }
            } catch (IOException ended) {
                // the process is gone
            }
            ready.completeExceptionally(new IllegalStateException("replica " + name + " ended:\n" + output));
        });
        reader.setDaemon(true);
        reader.start();
        String line;
        try {
            line = ready.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IllegalStateException("replica " + name + " not ready:\n" + output, e);
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

    String output() {
        return output.toString();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            killHard();
        }
    }
}
