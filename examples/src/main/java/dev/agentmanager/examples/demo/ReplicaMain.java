package dev.agentmanager.examples.demo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One orchestrator replica as a process of its own, on a database and a CA directory shared with other
 * replicas: the demo's HTTPS JSON API and mutual-TLS agent endpoint on free ports of 127.0.0.1. It prints
 * {@code READY enrollment=<url> agent=<url>} once it serves, then runs until it is killed.
 *
 * <pre>
 * java ... dev.agentmanager.examples.demo.ReplicaMain --jdbc-url 'jdbc:postgresql://127.0.0.1:5432/test?user=postgres'
 *     --ca-dir /tmp/demo-ca --operator-key secret [--table-prefix agentmanager_] [--propagation-ms 500]
 * </pre>
 */
public final class ReplicaMain {
    /** Holds the configured logger: java.util.logging keeps loggers weakly. */
    private static final Logger LIBRARY_LOG = Logger.getLogger("dev.agentmanager");

    private ReplicaMain() {}

    public static void main(String[] args) throws Exception {
        LIBRARY_LOG.setLevel(Level.WARNING);
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        String url = options.get("--jdbc-url");
        String ca = options.get("--ca-dir");
        String key = options.get("--operator-key");
        if (url == null || ca == null || key == null) {
            System.err.println("usage: ReplicaMain --jdbc-url URL --ca-dir DIR --operator-key KEY"
                    + " [--table-prefix PREFIX] [--propagation-ms MILLIS]");
            System.exit(2);
        }
        DemoOrchestrator.Replica replica = new DemoOrchestrator.Replica(
                url,
                options.getOrDefault("--table-prefix", "agentmanager_"),
                Path.of(ca),
                key,
                Duration.ofMillis(Long.parseLong(options.getOrDefault("--propagation-ms", "500"))));
        DemoOrchestrator orchestrator =
                DemoOrchestrator.startReplica(replica, DemoOrchestrator.Settings.demo(), e -> {});
        System.out.println("READY enrollment=" + orchestrator.enrollmentUrl() + " agent=" + orchestrator.agentUrl());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
