package dev.agentmanager.benchmarks;

import java.util.Locale;

/**
 * Two sides measured in one JVM, alternating slice by slice, which side goes first alternating between rounds:
 * the rounds and the {@code RESULT} lines of {@link PeerRuns} and {@link RegistrationRuns}.
 */
final class Interleaved {
    private Interleaved() {}

    /** The {@code q}-quantile of {@code values} (nearest rank). */
    static double quantile(double[] values, double q) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[(int) Math.round(q * (sorted.length - 1))];
    }

    /** One slice of one side: runs it and returns its rate (units per second). */
    interface Slice {
        double rate() throws Exception;
    }

    /** Per round: each side's rate and their ratio, first / second. */
    record Rounds(double[] first, double[] second, double[] ratio) {
        double medianRatio() {
            return quantile(ratio, 0.5);
        }

        /**
         * Prints {@code RESULT} lines for {@link BenchmarkSuite}: {@code key.firstName} and {@code key.secondName}
         * (the medians of the two sides' rates), {@code key.ratio}, {@code key.q1}, {@code key.q3} (the median
         * and quartiles of the per-round ratio) and {@code key.rounds}.
         */
        void printResults(String key, String firstName, String secondName) {
            System.out.printf(Locale.ROOT, "RESULT %s.%s %.1f%n", key, firstName, quantile(first, 0.5));
            System.out.printf(Locale.ROOT, "RESULT %s.%s %.1f%n", key, secondName, quantile(second, 0.5));
            System.out.printf(Locale.ROOT, "RESULT %s.ratio %.4f%n", key, medianRatio());
            System.out.printf(Locale.ROOT, "RESULT %s.q1 %.4f%n", key, quantile(ratio, 0.25));
            System.out.printf(Locale.ROOT, "RESULT %s.q3 %.4f%n", key, quantile(ratio, 0.75));
            System.out.printf(Locale.ROOT, "RESULT %s.rounds %d%n", key, ratio.length);
        }

        /** "median m, quartiles a..b, range c..d" of the per-round ratio. */
        String ratioSummary() {
            return String.format(
                    Locale.ROOT,
                    "median %.3f, quartiles %.3f..%.3f, range %.3f..%.3f",
                    medianRatio(),
                    quantile(ratio, 0.25),
                    quantile(ratio, 0.75),
                    quantile(ratio, 0),
                    quantile(ratio, 1));
        }
    }

    /** Runs {@code rounds} rounds of one slice of each side. */
    static Rounds run(int rounds, Slice first, Slice second) throws Exception {
        Slice[] sides = {first, second};
        double[][] rate = new double[2][rounds];
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 2; k++) {
                int i = r % 2 == 0 ? k : 1 - k;
                rate[i][r] = sides[i].rate();
            }
            ratio[r] = rate[0][r] / rate[1][r];
        }
        return new Rounds(rate[0], rate[1], ratio);
    }
}
