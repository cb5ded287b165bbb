package dev.agentmanager.benchmarks;

import dev.agentmanager.task.AgentTasks;
import dev.agentmanager.task.TaskAssignment;
import dev.agentmanager.task.TaskPayload;
import dev.agentmanager.task.TaskReport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Claims of one task each, timed one by one, with the Started and Succeeded reports after each timed apart. */
final class ClaimTimes {
    private ClaimTimes() {}

    /**
     * {@code warmup} then {@code count} claims of one task each by the claimers, {@code threads} threads, each
     * thread its share of the claimers in turn; returns the timed claims' latencies and those of the reports.
     */
    static Latencies[] claims(
            AgentTasks api, List<Fleet.Member> claimers, int threads, int count, int warmup, Set<String> claimed)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<double[][]>> work = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            int skip = warmup / threads + (thread < warmup % threads ? 1 : 0);
            int timed = count / threads + (thread < count % threads ? 1 : 0);
            work.add(pool.submit(() -> {
                double[][] ms = new double[2][timed];
                start.await();
                for (int i = 0; i < skip + timed; i++) {
                    Fleet.Member m = claimers.get(thread + threads * (i % (claimers.size() / threads)));
                    long t0 = System.nanoTime();
                    List<TaskAssignment> got = api.claim(m.id(), m.thumbprint(), 1);
                    long t1 = System.nanoTime();
                    if (got.size() != 1 || !claimed.add(got.get(0).lease().taskId())) {
                        throw new IllegalStateException(m.id() + " claimed " + got + ": expected one new task");
                    }
                    api.report(
                            m.id(),
                            m.thumbprint(),
                            new TaskReport.Started(got.get(0).lease()));
                    api.report(
                            m.id(),
                            m.thumbprint(),
                            new TaskReport.Succeeded(got.get(0).lease(), TaskPayload.empty()));
                    if (i >= skip) {
                        ms[0][i - skip] = (t1 - t0) / 1e6;
                        ms[1][i - skip] = (System.nanoTime() - t1) / 1e6;
                    }
                }
                return ms;
            }));
        }
        start.countDown();
        double[][] all = {new double[0], new double[0]};
        try {
            for (Future<double[][]> f : work) {
                double[][] ms = f.get();
                for (int k = 0; k < 2; k++) {
                    double[] joined = Arrays.copyOf(all[k], all[k].length + ms[k].length);
                    System.arraycopy(ms[k], 0, joined, all[k].length, ms[k].length);
                    all[k] = joined;
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return new Latencies[] {Latencies.of(all[0]), Latencies.of(all[1])};
    }
}
