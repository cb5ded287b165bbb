package dev.agentmanager.benchmarks;

import java.util.Locale;
import java.util.function.LongUnaryOperator;

/**
 * Registration against the raw crypto, interleaved in one JVM: the cross-check of the suite's JMH registration
 * row. JMH runs {@link RegistrationBenchmark#register} and {@link RegistrationBenchmark#rawCrypto} one after the
 * other in one fork, about half a minute each, and this machine's speed (a VM on a shared host) drifts by tens of
 * percent over such spans: the JMH ratio carries that drift (0.77-1.03 across the suite runs of one day, code
 * unchanged). Here the two alternate in slices of {@code slice} calls on the same CA (which goes first
 * alternates between rounds), so each round's ratio compares the two under the same conditions. Prints each
 * side's median rate, the median and quartiles of the per-round ratio, and {@code RESULT} lines for
 * {@link BenchmarkSuite}.
 *
 * <pre>
 * java -Xms2g -Xmx2g -XX:+AlwaysPreTouch -cp benchmarks/target/benchmarks.jar dev.agentmanager.benchmarks.RegistrationRuns [rounds] [slice]
 * </pre>
 *
 * Defaults: 16 rounds, slices of 1,000 calls, after 12 warm-up slices of each (BouncyCastle's code paths take
 * seconds to compile). Tokens for a slice are created before it, untimed, as in the JMH benchmark.
 */
public final class RegistrationRuns {
    private RegistrationRuns() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int slice = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        Fleet.quietLogging();
        RegistrationBenchmark benchmark = new RegistrationBenchmark();
        RegistrationBenchmark.Ca ca = new RegistrationBenchmark.Ca();
        ca.setUp();
        RegistrationBenchmark.Manager manager = new RegistrationBenchmark.Manager();
        manager.setUp(ca);
        long[] sink = new long[1];
        LongUnaryOperator[] sides = {
            n -> { // ours: AgentManager.register
                if (manager.tokens.size() < n) {
                    manager.createTokens((int) n * 4);
                }
                long start = System.nanoTime();
                for (long i = 0; i < n; i++) {
                    sink[0] += benchmark.register(ca, manager).agent().version();
                }
                return System.nanoTime() - start;
            },
            n -> { // the raw crypto: decode and verify the CSR, issue the certificate
                long start = System.nanoTime();
                for (long i = 0; i < n; i++) {
                    sink[0] += benchmark.rawCrypto(ca).serial().length();
                }
                return System.nanoTime() - start;
            }
        };
        for (int w = 0; w < 12; w++) {
            sides[0].applyAsLong(slice);
            sides[1].applyAsLong(slice);
        }
        Interleaved.Rounds result = Interleaved.run(
                rounds,
                () -> slice * 1e9 / sides[0].applyAsLong(slice),
                () -> slice * 1e9 / sides[1].applyAsLong(slice));
        System.out.printf(
                Locale.ROOT,
                "ours %.1f registrations/s, raw crypto %.1f/s (medians of %d rounds of %d)%n",
                Interleaved.quantile(result.first(), 0.5),
                Interleaved.quantile(result.second(), 0.5),
                rounds,
                slice);
        System.out.println("ours/raw per round: " + result.ratioSummary());
        result.printResults("registration", "ours", "raw");
        if (sink[0] == 42) {
            System.out.println(); // keeps the results observable
        }
    }
}
