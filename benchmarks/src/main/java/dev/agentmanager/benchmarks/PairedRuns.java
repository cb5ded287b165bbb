package dev.agentmanager.benchmarks;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.function.LongUnaryOperator;

/**
 * An A/B comparison of two builds of this module in one JVM, for deciding whether a change to the hot paths
 * pays: JMH runs the two builds minutes apart, and this machine's speed (a VM on a shared host) drifts by tens
 * of percent over minutes, more than most changes are worth. Here each build is loaded through its own class
 * loader (its own copy of core, the store and this module), both fleets are built side by side, and the two
 * alternate in slices (a few hundred milliseconds each, the first of the two alternating between rounds). It
 * prints each build's rate and the median and quartiles of the per-round ratio B/A; a change is worth keeping
 * when the quartiles stay on one side of 1.
 *
 * <pre>
 * java -Xms12g -Xmx12g -XX:+AlwaysPreTouch -cp benchmarks/target/benchmarks.jar dev.agentmanager.benchmarks.PairedRuns heartbeat A.jar B.jar [agents] [rounds]
 * java -Xms12g -Xmx12g -XX:+AlwaysPreTouch -cp benchmarks/target/benchmarks.jar dev.agentmanager.benchmarks.PairedRuns sweep A.jar B.jar [agents] [rounds]
 * java -Xms4g -Xmx4g -XX:+AlwaysPreTouch -cp benchmarks/target/benchmarks.jar dev.agentmanager.benchmarks.PairedRuns registration A.jar B.jar [tokens] [rounds]
 * </pre>
 *
 * {@code heartbeat}: one thread beats the {@link HeartbeatBenchmark} fleet (default 100,000 agents) in its random
 * order, 2,000,000 beats a slice; the rate is beats per second. {@code sweep}: the {@link SweepBenchmark} steady
 * state (default 1,000,000 agents), 30 simulated seconds a slice, only {@code runOnce()} timed; the figure is
 * microseconds per expired agent. {@code registration}: {@link RegistrationBenchmark#register} on the default
 * BouncyCastle CA, 1,000 registrations a slice, each with a fresh one-time token, among tokens created
 * beforehand (default 20,000; more are created between slices, untimed, as needed); the rate is registrations
 * per second. Both jars must be builds of this module that contain this class.
 */
public final class PairedRuns {
    private PairedRuns() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            throw new IllegalArgumentException("usage: heartbeat|sweep|registration A.jar B.jar [agents] [rounds]");
        }
        Class<?> mode = switch (args[0]) {
            case "heartbeat" -> Heartbeats.class;
            case "sweep" -> Sweeps.class;
            case "registration" -> Registrations.class;
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        };
        boolean sweep = mode == Sweeps.class;
        boolean registration = mode == Registrations.class;
        int agents = args.length > 3 ? Integer.parseInt(args[3])
                : sweep ? 1_000_000 : registration ? 20_000 : 100_000;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 16;
        long slice = sweep ? 30 : registration ? 1_000 : 2_000_000;
        String name = mode.getName();
        Object[] runs = new Object[2];
        for (int i = 0; i < 2; i++) {
            URLClassLoader loader = new URLClassLoader(new URL[] {Path.of(args[i + 1]).toUri().toURL()},
                    ClassLoader.getPlatformClassLoader());
            runs[i] = loader.loadClass(name).getConstructor(int.class).newInstance(agents);
        }
        for (int w = 0; w < (registration ? 12 : 4); w++) { // warm-up: compile both (BouncyCastle takes longer)
            run(runs[0], slice);
            run(runs[1], slice);
        }
        double[][] perSecond = new double[2][rounds];
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 2; k++) {
                int i = r % 2 == 0 ? k : 1 - k;
                perSecond[i][r] = run(runs[i], slice);
            }
            // B/A of the figure printed: beats per second, or (sweep) µs per expired agent
            ratio[r] = sweep ? perSecond[0][r] / perSecond[1][r] : perSecond[1][r] / perSecond[0][r];
        }
        for (int i = 0; i < 2; i++) {
            double median = quantile(perSecond[i], 0.5);
            System.out.printf(Locale.ROOT, sweep ? "%s %s: %.3f µs per expired agent (median of %d rounds)%n"
                    : registration ? "%s %s: %.1f registrations/s (median of %d rounds)%n"
                    : "%s %s: %.3fM beats/s (median of %d rounds)%n", i == 0 ? "A" : "B", args[i + 1],
                    sweep ? 1e6 / median : registration ? median : median / 1e6, rounds);
        }
        System.out.printf(Locale.ROOT, "B/A per round: median %.3f, quartiles %.3f..%.3f%n", quantile(ratio, 0.5),
                quantile(ratio, 0.25), quantile(ratio, 0.75));
    }

    /** Runs one slice; returns units (beats, expired agents) per second of measured time. */
    private static double run(Object run, long slice) {
        long before = ((LongSupplier) run).getAsLong();
        long nanos = ((LongUnaryOperator) run).applyAsLong(slice);
        return (((LongSupplier) run).getAsLong() - before) * 1e9 / nanos;
    }

    /** The {@code q} quantile of {@code values} (nearest rank); also {@link PeerRuns}'. */
    static double quantile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.round(q * (sorted.length - 1))];
    }

    /** The heartbeat benchmark's loop, one thread: {@code applyAsLong(n)} beats n times and returns the nanoseconds. */
    public static final class Heartbeats implements LongUnaryOperator, LongSupplier {
        private final HeartbeatBenchmark benchmark = new HeartbeatBenchmark();
        private final HeartbeatBenchmark.Ours ours = new HeartbeatBenchmark.Ours();
        private final HeartbeatBenchmark.OurBeater beater = new HeartbeatBenchmark.OurBeater();
        private long beats;
        /** Keeps the responses observable, so that the loop cannot be optimised away. */
        public static volatile long sink;

        public Heartbeats(int agents) {
            ours.agents = agents;
            ours.setUp();
            beater.setUp(ours, 1, 0);
        }

        @Override
        public long applyAsLong(long n) {
            long check = 0;
            long start = System.nanoTime();
            for (long i = 0; i < n; i++) {
                check += benchmark.ours(ours, beater).sequence();
            }
            long nanos = System.nanoTime() - start;
            sink += check;
            beats += n;
            return nanos;
        }

        @Override
        public long getAsLong() {
            return beats;
        }
    }

    /**
     * The sweep benchmark's steady state: {@code applyAsLong(n)} runs n simulated seconds (the second's beats
     * untimed, then one timed {@code runOnce()}) and returns the sweeps' nanoseconds; {@link #getAsLong()} counts
     * the agents expired so far.
     */
    public static final class Sweeps implements LongUnaryOperator, LongSupplier {
        private final SweepBenchmark.Ours ours = new SweepBenchmark.Ours();
        private long expired;

        public Sweeps(int agents) {
            ours.agents = agents;
            ours.setUp();
        }

        @Override
        public long applyAsLong(long n) {
            long nanos = 0;
            for (long i = 0; i < n; i++) {
                ours.nextSecond();
                long start = System.nanoTime();
                expired += ours.monitor.runOnce().expired();
                nanos += System.nanoTime() - start;
            }
            return nanos;
        }

        @Override
        public long getAsLong() {
            return expired;
        }
    }

    /**
     * The registration benchmark's loop: {@code applyAsLong(n)} registers n agents, each with a fresh one-time
     * token, and returns the nanoseconds; tokens for the slice are created before it, untimed.
     */
    public static final class Registrations implements LongUnaryOperator, LongSupplier {
        private final RegistrationBenchmark benchmark = new RegistrationBenchmark();
        private final RegistrationBenchmark.Ca ca = new RegistrationBenchmark.Ca();
        private final RegistrationBenchmark.Manager manager = new RegistrationBenchmark.Manager();
        private long registered;
        /** Keeps the registrations observable. */
        public static volatile long sink;

        public Registrations(int tokens) {
            ca.setUp();
            manager.setUp(ca);
            manager.createTokens(tokens);
        }

        @Override
        public long applyAsLong(long n) {
            if (manager.tokens.size() < n) {
                manager.createTokens((int) n * 4);
            }
            long check = 0;
            long start = System.nanoTime();
            for (long i = 0; i < n; i++) {
                check += benchmark.register(ca, manager).agent().id().length();
            }
            long nanos = System.nanoTime() - start;
            sink += check;
            registered += n;
            return nanos;
        }

        @Override
        public long getAsLong() {
            return registered;
        }
    }
}
