package dev.agentmanager.examples.demo;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs the demo: {@code mvn -q -pl examples exec:java} (after {@code mvn -q install -DskipTests}), or with
 * {@code -Dexec.args=--keep-running} to keep the orchestrator and the remaining agents up afterwards (Ctrl+C
 * ends it; {@code --keep-running=SECONDS} for a while). Exits 0 when every expectation of the story was met,
 * 1 otherwise.
 */
public final class DemoMain {
    /** Holds the configured logger: java.util.logging keeps loggers weakly. */
    private static final Logger LIBRARY_LOG = Logger.getLogger("dev.agentmanager");

    private DemoMain() {}

    public static void main(String[] args) {
        System.setProperty("java.util.logging.SimpleFormatter.format", "[log] %4$s %3$s: %5$s%6$s%n");
        LIBRARY_LOG.setLevel(Level.WARNING); // the library's INFO lines stay quiet
        Duration keepRunning = Duration.ZERO;
        int replicas = 1;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--replicas") && i + 1 < args.length) {
                replicas = Integer.parseInt(args[++i]);
            } else if (arg.startsWith("--replicas=")) {
                replicas = Integer.parseInt(arg.substring("--replicas=".length()));
            } else if (arg.equals("--keep-running")) {
                keepRunning = Duration.ofDays(3650);
            } else if (arg.startsWith("--keep-running=")) {
                keepRunning = Duration.ofSeconds(Long.parseLong(arg.substring("--keep-running=".length())));
            } else {
                System.err.println("usage: DemoMain [--replicas N] [--keep-running[=SECONDS]]");
                System.exit(2);
            }
        }
        Path directory = Path.of(System.getProperty("agentmanager.demo.directory", "target/demo"));
        int exitCode;
        try (DemoStory story = DemoStory.start(directory, DemoOrchestrator.Settings.demo(), System.out, replicas)) {
            DemoStory.Result result = story.play();
            exitCode = result.passed() ? 0 : 1;
            if (result.passed() && !keepRunning.isZero()) {
                keepRunning(story, keepRunning);
            }
        } catch (Exception e) {
            e.printStackTrace();
            exitCode = 1;
        }
        System.exit(exitCode); // also ends the JDK HTTP client's selector threads at once
    }

    private static void keepRunning(DemoStory story, Duration duration) throws Exception {
        DemoOrchestrator o = story.orchestrator();
        Path bundle = Path.of(System.getProperty("agentmanager.demo.directory", "target/demo"))
                .resolve("ca.pem");
        java.nio.file.Files.writeString(bundle, o.trustBundlePem());
        System.out.printf(
                "%nStill running. Try:%n  curl --cacert %s -H 'Authorization: Bearer %s' %s/v1/agents%n",
                bundle.toAbsolutePath(), o.operatorKey(), o.enrollmentUrl());
        Instant end = Instant.now().plus(duration);
        while (Instant.now().isBefore(end)) {
            Thread.sleep(Math.min(
                    5_000, Math.max(1, Duration.between(Instant.now(), end).toMillis())));
            System.out.printf("%n-- %s --%n", Instant.now());
            story.table();
        }
    }
}
