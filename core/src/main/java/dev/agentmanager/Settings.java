package dev.agentmanager;

import java.time.Duration;

/** Shared checks for the settings records. */
final class Settings {
    private Settings() {}

    static Duration requirePositive(Duration d, String name) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
        return d;
    }

    static int requirePositive(int n, String name) {
        if (n < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + n);
        }
        return n;
    }
}
