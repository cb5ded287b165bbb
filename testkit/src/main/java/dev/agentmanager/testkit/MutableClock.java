package dev.agentmanager.testkit;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} that only moves when a test moves it: {@link #advance(Duration)} or {@link #set(Instant)}.
 *
 * <p>Thread-safe: any thread may read or move it, and every reader sees the latest move. Clocks obtained
 * through {@link #withZone(ZoneId)} are views that share the same time source, so advancing one advances
 * all of them.
 *
 * <pre>{@code
 * MutableClock clock = MutableClock.at(Instant.parse("2030-01-01T00:00:00Z"));
 * AgentManager manager = AgentManager.builder().clock(clock)...build();
 * clock.advance(Duration.ofSeconds(91));
 * manager.timeoutMonitor().runOnce();
 * }</pre>
 */
public final class MutableClock extends Clock {

    /** Where {@link #create()} starts: a fixed, whole-second instant far from the epoch. */
    public static final Instant DEFAULT_START = Instant.parse("2030-01-01T00:00:00Z");

    private final AtomicReference<Instant> time;
    private final ZoneId zone;

    private MutableClock(AtomicReference<Instant> time, ZoneId zone) {
        this.time = time;
        this.zone = zone;
    }

    /** A clock in UTC standing at {@code start}. */
    public static MutableClock at(Instant start) {
        return at(start, ZoneOffset.UTC);
    }

    /** A clock in {@code zone} standing at {@code start}. */
    public static MutableClock at(Instant start, ZoneId zone) {
        return new MutableClock(new AtomicReference<>(requireNonNull(start, "start")), requireNonNull(zone, "zone"));
    }

    /** A clock in UTC standing at {@link #DEFAULT_START}. */
    public static MutableClock create() {
        return at(DEFAULT_START);
    }

    @Override
    public Instant instant() {
        return requireNonNull(time.get());
    }

    @Override
    public long millis() {
        return requireNonNull(time.get()).toEpochMilli();
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    /** A view in another zone that shares this clock's time: moving either moves both. */
    @Override
    public MutableClock withZone(ZoneId zone) {
        requireNonNull(zone, "zone");
        return zone.equals(this.zone) ? this : new MutableClock(time, zone);
    }

    /**
     * Moves the clock forward, atomically with respect to other moves.
     *
     * @param amount how far; zero is allowed, negative is not (use {@link #set(Instant)} to go back)
     * @return the new time
     * @throws IllegalArgumentException if {@code amount} is negative
     * @throws java.time.DateTimeException if the result is out of {@link Instant}'s range
     */
    public Instant advance(Duration amount) {
        requireNonNull(amount, "amount");
        if (amount.isNegative()) {
            throw new IllegalArgumentException("cannot advance by a negative amount " + amount + "; use set()");
        }
        return time.updateAndGet(t -> t.plus(amount));
    }

    /** Sets the clock to {@code instant}, which may be earlier than now (a clock stepped back). */
    public void set(Instant instant) {
        time.set(requireNonNull(instant, "instant"));
    }

    /** Two mutable clocks are equal when they share their time source and zone. */
    @Override
    public boolean equals(Object obj) {
        return obj instanceof MutableClock other && other.time == time && other.zone.equals(zone);
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(time) ^ zone.hashCode();
    }

    @Override
    public String toString() {
        return "MutableClock[" + time.get() + "," + zone + "]";
    }
}
