package dev.agentmanager.ca.bouncycastle;

import dev.agentmanager.ca.bouncycastle.client.AgentKeys;
import dev.agentmanager.ca.bouncycastle.internal.Bc;
import dev.agentmanager.model.CertificateRequest;
import java.nio.charset.StandardCharsets;
import java.security.Provider;
import java.security.Security;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * On-demand throughput harness (not a test; {@code mvn verify} does not run it): CSR decode + verify +
 * issue per second for EC P-256 agent keys and an EC P-256 CA, with the BouncyCastle provider versus the
 * JDK's own SunEC, single-threaded and on every core. Also prints verify-only and issue-only rates.
 *
 * <pre>
 * mvn -q -pl ca-bouncycastle test-compile exec:java [-Dexec.args="3 3"]
 * </pre>
 *
 * Optional arguments: measured seconds per figure (default 3, each after a 1 s warm-up) and rounds (default
 * 3); the rounds alternate providers and the best of them is reported, to tolerate background load.
 */
public final class IssuanceThroughputHarness {
    private IssuanceThroughputHarness() {}

    private static final int REQUESTS = 256;

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int cores = Runtime.getRuntime().availableProcessors();
        List<byte[]> csrs = new ArrayList<>(REQUESTS);
        for (int i = 0; i < REQUESTS; i++) {
            csrs.add(AgentKeys.csrPem(AgentKeys.generate(), "host-" + i).getBytes(StandardCharsets.US_ASCII));
        }
        List<Provider> providers = List.of(Bc.provider(), Security.getProvider("SunEC"));
        int[] threadCounts = cores > 1 ? new int[] {1, cores} : new int[] {1};
        // best[provider][threads][figure]: the best of the rounds, which alternate providers so that
        // background load on a shared machine hurts both alike.
        double[][][] best = new double[providers.size()][threadCounts.length][3];
        System.out.printf(
                Locale.ROOT,
                "JDK %s, %d cores, %d distinct P-256 CSRs, CA EC P-256, %d rounds of %.1f s per figure%n",
                System.getProperty("java.version"),
                cores,
                REQUESTS,
                rounds,
                seconds);
        for (Provider provider : providers) { // JIT warm-up of every path before anything is measured
            BouncyCastleCertificateService ca = BouncyCastleCertificateService.builder()
                    .cryptoProvider(provider)
                    .build();
            run(1, 3, i -> ca.issue("agent-" + i, ca.decodeRequest(csrs.get(i % REQUESTS))));
        }
        for (int round = 0; round < rounds; round++) {
            for (int p = 0; p < providers.size(); p++) {
                Provider provider = providers.get(p);
                BouncyCastleCertificateService ca = BouncyCastleCertificateService.builder()
                        .cryptoProvider(provider)
                        .caKeyType(KeyType.EC_P256)
                        .build();
                List<CertificateRequest> decoded = new ArrayList<>();
                csrs.forEach(csr -> decoded.add(ca.decodeRequest(csr)));
                for (int t = 0; t < threadCounts.length; t++) {
                    int threads = threadCounts[t];
                    double[] figures = {
                        rate(threads, seconds, i -> ca.issue("agent-" + i, ca.decodeRequest(csrs.get(i % REQUESTS)))),
                        rate(threads, seconds, i -> ca.decodeRequest(csrs.get(i % REQUESTS))),
                        rate(threads, seconds, i -> ca.issue("agent-" + i, decoded.get(i % REQUESTS))),
                    };
                    System.out.printf(
                            Locale.ROOT,
                            "  round %d %-10s %d thread(s): decode+issue %6.0f/s, decode %6.0f/s, issue %6.0f/s%n",
                            round + 1,
                            provider.getName(),
                            threads,
                            figures[0],
                            figures[1],
                            figures[2]);
                    for (int f = 0; f < 3; f++) {
                        best[p][t][f] = Math.max(best[p][t][f], figures[f]);
                    }
                }
            }
        }
        System.out.printf(
                Locale.ROOT,
                "%nbest of %d rounds%n%-14s %8s %16s %14s %14s%n",
                rounds,
                "provider",
                "threads",
                "decode+issue/s",
                "decode/s",
                "issue/s");
        for (int p = 0; p < providers.size(); p++) {
            for (int t = 0; t < threadCounts.length; t++) {
                System.out.printf(
                        Locale.ROOT,
                        "%-14s %8d %16.0f %14.0f %14.0f%n",
                        providers.get(p).getName() + " " + providers.get(p).getVersionStr(),
                        threadCounts[t],
                        best[p][t][0],
                        best[p][t][1],
                        best[p][t][2]);
            }
        }
    }

    /** Operations per second over {@code seconds} on {@code threads} threads, after a 2 s warm-up. */
    private static double rate(int threads, double seconds, IntConsumer operation) throws Exception {
        run(threads, 1, operation);
        return run(threads, seconds, operation) / seconds;
    }

    private static long run(int threads, double seconds, IntConsumer operation) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        long[] deadline = new long[1];
        try {
            List<Future<Long>> counts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int offset = t * 1_000_000;
                counts.add(pool.submit(() -> {
                    start.await();
                    long done = 0;
                    while (System.nanoTime() < deadline[0]) {
                        operation.accept(offset + (int) done);
                        done++;
                    }
                    return done;
                }));
            }
            deadline[0] = System.nanoTime() + (long) (seconds * 1e9);
            start.countDown();
            long total = 0;
            for (Future<Long> count : counts) {
                total += count.get((long) seconds + 60, TimeUnit.SECONDS);
            }
            return total;
        } finally {
            pool.shutdownNow();
        }
    }
}
