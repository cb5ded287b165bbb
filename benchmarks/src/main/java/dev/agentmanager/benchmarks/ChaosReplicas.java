package dev.agentmanager.benchmarks;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The replica processes of a chaos run: starts each {@link ChaosReplica} in a JVM of its own (this JVM's
 * {@code java} and class path), knows which are serving and on which port, kills one with {@code SIGKILL} and starts
 * it again. Each replica's output goes to a log file of its own, printed if it fails to start.
 *
 * <p>{@link Process#destroyForcibly()} sends {@code SIGKILL} on Linux (and macOS); {@link #kill} checks it by the exit
 * status, {@code 128 + 9}, and counts a kill that ended otherwise apart.
 */
final class ChaosReplicas implements AutoCloseable {
    static final int SIGKILL_EXIT = 128 + 9;
    private static final long START_TIMEOUT_SECONDS = 60;

    private final String url;
    private final String prefix;
    private final Path logs;
    private final List<String> jvmOptions;
    private final Process[] processes;
    /** Each replica's port while it serves, 0 while it is down. */
    private final AtomicIntegerArray ports;

    private final ChaosLedger ledger;
    private final int[] starts;

    ChaosReplicas(int count, String url, String prefix, Path logs, List<String> jvmOptions, ChaosLedger ledger) {
        this.url = url;
        this.prefix = prefix;
        this.logs = logs;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.processes = new Process[count];
        this.ports = new AtomicIntegerArray(count);
        this.ledger = ledger;
        this.starts = new int[count];
    }

    /** Starts every replica (in parallel) and waits until each serves. */
    void startAll() throws Exception {
        List<CompletableFuture<Void>> started = new ArrayList<>();
        for (int i = 0; i < processes.length; i++) {
            int replica = i;
            started.add(CompletableFuture.runAsync(() -> {
                try {
                    start(replica);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (CompletableFuture<Void> f : started) {
            f.get(START_TIMEOUT_SECONDS + 5, TimeUnit.SECONDS);
        }
    }

    int count() {
        return processes.length;
    }

    ChaosLedger ledger() {
        return ledger;
    }

    /** The port of a random serving replica, or 0 if none serves right now. */
    int randomPort() {
        int n = processes.length;
        int from = ThreadLocalRandom.current().nextInt(n);
        for (int k = 0; k < n; k++) {
            int port = ports.get((from + k) % n);
            if (port != 0) {
                return port;
            }
        }
        return 0;
    }

    /** How many replicas serve. */
    int serving() {
        int n = 0;
        for (int i = 0; i < processes.length; i++) {
            n += ports.get(i) == 0 ? 0 : 1;
        }
        return n;
    }

    /** Starts replica {@code i} and waits for its {@code READY <port>} line. */
    synchronized void start(int i) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        command.addAll(jvmOptions);
        command.addAll(
                List.of("-cp", System.getProperty("java.class.path"), ChaosReplica.class.getName(), url, prefix, "6"));
        Path log = logs.resolve("replica-" + i + "-" + (starts[i]++) + ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        processes[i] = p;
        CompletableFuture<Integer> ready = new CompletableFuture<>();
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader in = new BufferedReader(
                                    new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                            PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = in.readLine()) != null) {
                            if (line.startsWith(ChaosReplica.READY)) {
                                ready.complete(Integer.parseInt(line.substring(ChaosReplica.READY.length())
                                        .trim()));
                            }
                            out.println(line);
                            out.flush();
                        }
                    } catch (IOException | RuntimeException e) {
                        ready.completeExceptionally(e);
                    }
                    ready.completeExceptionally(new IllegalStateException("replica " + i + " ended before it served"));
                },
                "chaos-replica-" + i + "-output");
        reader.setDaemon(true);
        reader.start();
        try {
            ports.set(i, ready.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            throw e;
        } catch (Exception e) {
            p.destroyForcibly();
            String output = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            throw new IOException("replica " + i + " did not start: " + e + "\n" + output, e);
        }
    }

    /**
     * Kills replica {@code i} with {@code SIGKILL} (it is marked down first, so that new requests go elsewhere;
     * requests in flight fail), and waits for it to die.
     */
    void kill(int i) throws InterruptedException {
        ports.set(i, 0);
        Process p = processes[i];
        p.destroyForcibly();
        p.waitFor();
        ledger.add(p.exitValue() == SIGKILL_EXIT ? "kills" : "kills.other", 1);
    }

    /** Replica {@code i} after a kill: is it down? */
    boolean isDown(int i) {
        return ports.get(i) == 0;
    }

    /** Stops every replica: they need no graceful end, the run's data is in the database. */
    @Override
    public void close() {
        for (int i = 0; i < processes.length; i++) {
            ports.set(i, 0);
            Process p = processes[i];
            if (p != null) {
                p.destroyForcibly();
            }
        }
        for (Process p : processes) {
            if (p != null) {
                try {
                    p.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
