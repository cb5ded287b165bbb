package dev.agentmanager.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time used so far by this JVM and by the whole machine (Linux {@code /proc/stat}; zero elsewhere), so that a
 * run can say how many cores it used and how many the rest of the machine did meanwhile: the database, when it runs
 * on the same machine and nothing else does.
 *
 * @param busyTicks the machine's non-idle ticks over all CPUs
 * @param totalTicks the machine's ticks over all CPUs
 * @param cpus the CPUs {@code /proc/stat} lists
 */
record CpuSample(long wallNanos, long jvmNanos, long busyTicks, long totalTicks, int cpus) {

    static CpuSample now() {
        long jvm = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime()
                : 0;
        long busy = 0;
        long total = 0;
        int cpus = 0;
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/stat"));
            for (String line : lines) {
                if (line.startsWith("cpu ")) {
                    // user nice system idle iowait irq softirq steal (guest time is already in user)
                    String[] f = line.trim().split("\\s+");
                    for (int i = 1; i <= 8 && i < f.length; i++) {
                        long ticks = Long.parseLong(f[i]);
                        total += ticks;
                        if (i != 4 && i != 5) {
                            busy += ticks;
                        }
                    }
                } else if (line.startsWith("cpu")) {
                    cpus++;
                }
            }
        } catch (IOException | RuntimeException e) {
            busy = 0;
            total = 0;
            cpus = 0;
        }
        return new CpuSample(System.nanoTime(), jvm, busy, total, cpus);
    }

    /** Cores this JVM used on average since {@code start}. */
    double jvmCoresSince(CpuSample start) {
        return (jvmNanos - start.jvmNanos) / (double) (wallNanos - start.wallNanos);
    }

    /** Cores the whole machine used on average since {@code start}; zero when unknown. */
    double machineCoresSince(CpuSample start) {
        long ticks = totalTicks - start.totalTicks;
        return ticks <= 0 ? 0 : (busyTicks - start.busyTicks) * (double) cpus / ticks;
    }
}
