package dev.agentmanager.store.jdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Translates between the host's {@link Clock} and the database's clock, so that every replica judges
 * liveness deadlines by the one clock they share.
 *
 * <p>The offset (database time minus host time, in whole microseconds) is measured by reading the
 * database's current time and taking the host time at the middle of the round trip; of a few samples the
 * one with the shortest round trip wins, so the error is at most half of it. Liveness instants are stored
 * as {@code hostInstant + offset} and read back as {@code dbInstant - offset}: exact for the replica that
 * wrote them, and translated into its own clock for any other.
 */
public final class DatabaseClock {
    private static final int SAMPLES = 3;

    private final Clock clock;
    private final boolean enabled;
    private volatile long offsetMicros;
    private volatile long lastRoundTripNanos;
    /** The host's clock and the monotonic clock when the offset was measured, to notice a step of the former. */
    private volatile Instant anchorHost = Instant.EPOCH;

    private volatile long anchorNanos = System.nanoTime();

    public DatabaseClock(Clock clock, boolean enabled) {
        this.clock = clock;
        this.enabled = enabled;
    }

    /** Measures the offset again; a no-op when translation is disabled. */
    public void synchronize(Connection c, Sql sql) throws SQLException {
        if (!enabled) {
            return;
        }
        long bestRoundTrip = Long.MAX_VALUE;
        long bestOffset = 0;
        for (int i = 0; i < SAMPLES; i++) {
            Instant before = clock.instant();
            long start = System.nanoTime();
            Instant database = sql.currentTime(c);
            long roundTrip = System.nanoTime() - start;
            Instant host = before.plusNanos(roundTrip / 2);
            if (roundTrip < bestRoundTrip) {
                bestRoundTrip = roundTrip;
                bestOffset = ChronoUnit.MICROS.between(host, database);
            }
        }
        offsetMicros = bestOffset;
        lastRoundTripNanos = bestRoundTrip;
        anchorNanos = System.nanoTime();
        anchorHost = clock.instant();
    }

    /**
     * Whether the host's clock moved, against the monotonic clock, by more than {@code tolerance} since the offset
     * was measured (an NTP step, a resumed VM): then the offset is stale. False when translation is disabled.
     */
    public boolean hostClockStepped(Duration tolerance) {
        if (!enabled) {
            return false;
        }
        Duration host = Duration.between(anchorHost, clock.instant());
        Duration monotonic = Duration.ofNanos(System.nanoTime() - anchorNanos);
        return host.minus(monotonic).abs().compareTo(tolerance) > 0;
    }

    /** The host's clock now. */
    public Instant hostNow() {
        return clock.instant();
    }

    /** Database time minus host time. */
    public Duration offset() {
        return Duration.ofNanos(offsetMicros * 1_000);
    }

    /** The round trip of the sample the offset came from (the offset's uncertainty is half of it). */
    public Duration uncertainty() {
        return Duration.ofNanos(lastRoundTripNanos / 2);
    }

    /** A host instant on the database's clock, microsecond precision. */
    public Instant toDatabase(Instant hostInstant) {
        return Sql.truncate(hostInstant).plus(offsetMicros, ChronoUnit.MICROS);
    }

    /** A database instant on the host's clock. */
    public Instant toHost(Instant databaseInstant) {
        return databaseInstant.minus(offsetMicros, ChronoUnit.MICROS);
    }
}
