package dev.agentmanager.examples.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One orchestrator replica as a process of its own, on a database and a CA directory shared with other
 * replicas (nothing is deleted; tables and the demo CA are created only if missing): the demo's HTTPS JSON
 * API and mutual-TLS agent endpoint on 127.0.0.1. Once it serves it prints one line
 * {@code READY enrollment=<url> agent=<url>}, and then {@code REFUSED agent=<id> serial=<hex> reason=<text>}
 * for every client certificate its agent endpoint refuses in a handshake; it runs until it is killed
 * (SIGTERM closes it cleanly, flushing buffered heartbeats; SIGKILL is a crash).
 *
 * <pre>
 * java -cp ... dev.agentmanager.examples.demo.ReplicaMain \
 *     --jdbc-url 'jdbc:postgresql://127.0.0.1:5432/test?user=postgres' --ca-dir /tmp/demo-ca \
 *     --operator-key-file /tmp/operator.key [--table-prefix agentmanager_] [--propagation-ms 500] \
 *     [--enrollment-port 0] [--agent-port 0] [--timing demo|fast] [--exit-with-parent]
 * </pre>
 *
 * Give every replica the same database, table prefix, CA directory and operator key. {@code --operator-key KEY}
 * also works but shows the key in process listings. {@code --exit-with-parent} ends the replica when its
 * standard input closes, so a replica started by a test never outlives it.
 */
public final class ReplicaMain {
    /** Holds the configured logger: java.util.logging keeps loggers weakly. */
    private static final Logger LIBRARY_LOG = Logger.getLogger("dev.agentmanager");

    private static final Set<String> VALUED = Set.of(
            "--jdbc-url",
            "--ca-dir",
            "--operator-key",
            "--operator-key-file",
            "--table-prefix",
            "--propagation-ms",
            "--enrollment-port",
            "--agent-port",
            "--timing");
    private static final String USAGE = "usage: ReplicaMain --jdbc-url URL --ca-dir DIR"
            + " (--operator-key KEY | --operator-key-file FILE) [--table-prefix PREFIX] [--propagation-ms MILLIS]"
            + " [--enrollment-port PORT] [--agent-port PORT] [--timing demo|fast] [--exit-with-parent]";

    private ReplicaMain() {}

    public static void main(String[] args) throws Exception {
        LIBRARY_LOG.setLevel(Level.WARNING);
        Map<String, String> options = parse(args);
        if (options == null) {
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        DemoOrchestrator.Replica replica = new DemoOrchestrator.Replica(
                options.get("--jdbc-url"),
                options.getOrDefault("--table-prefix", "agentmanager_"),
                Path.of(options.get("--ca-dir")),
                operatorKey(options),
                Duration.ofMillis(Long.parseLong(options.getOrDefault("--propagation-ms", "500"))),
                Integer.parseInt(options.getOrDefault("--enrollment-port", "0")),
                Integer.parseInt(options.getOrDefault("--agent-port", "0")));
        DemoOrchestrator.Settings timing = "fast".equals(options.get("--timing"))
                ? DemoOrchestrator.Settings.fast()
                : DemoOrchestrator.Settings.demo();
        DemoOrchestrator orchestrator = DemoOrchestrator.startReplica(replica, timing, e -> {});
        Runtime.getRuntime().addShutdownHook(new Thread(orchestrator::close, "replica-shutdown"));
        orchestrator.onRefusedHandshake(r ->
                System.out.println("REFUSED agent=" + r.agentId() + " serial=" + r.serial() + " reason=" + r.reason()));
        System.out.println("READY enrollment=" + orchestrator.enrollmentUrl() + " agent=" + orchestrator.agentUrl());
        System.out.flush();
        if (options.containsKey("--exit-with-parent")) {
            waitForEndOf(System.in);
            System.exit(0);
        }
        Thread.sleep(Long.MAX_VALUE);
    }

    /** The options by name (flags map to ""), or null when they are not usable. */
    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--exit-with-parent")) {
                options.put(args[i], "");
            } else if (VALUED.contains(args[i]) && i + 1 < args.length) {
                options.put(args[i], args[++i]);
            } else {
                System.err.println("unknown or incomplete option: " + args[i]);
                return null;
            }
        }
        boolean oneKey = options.containsKey("--operator-key") != options.containsKey("--operator-key-file");
        boolean timing = Set.of("demo", "fast").contains(options.getOrDefault("--timing", "demo"));
        return options.containsKey("--jdbc-url") && options.containsKey("--ca-dir") && oneKey && timing
                ? options
                : null;
    }

    private static String operatorKey(Map<String, String> options) throws IOException {
        String file = options.get("--operator-key-file");
        return file == null
                ? options.get("--operator-key")
                : Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
    }

    private static void waitForEndOf(InputStream in) {
        try {
            while (in.read() >= 0) {
                // nothing is read from the parent; only the end of the stream matters
            }
        } catch (IOException closed) {
            // the parent is gone as well
        }
    }
}
