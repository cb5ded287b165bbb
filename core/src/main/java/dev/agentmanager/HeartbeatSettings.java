package dev.agentmanager;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How often agents heartbeat and when they count as missing.
 *
 * @param interval how often an agent should send a heartbeat (told to it in every response)
 * @param timeout how long after its last accepted heartbeat an agent counts as missing; must exceed the
 *     interval
 * @param jitter the share of the interval by which the suggested next heartbeat is randomly moved, in
 *     {@code [0, 0.5)}, so a fleet that started together does not stay in lock-step
 */
public record HeartbeatSettings(Duration interval, Duration timeout, double jitter) {

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(90);
    public static final double DEFAULT_JITTER = 0.1;

    public HeartbeatSettings {
        requireNonNull(interval, "interval");
        requireNonNull(timeout, "timeout");
        Settings.requirePositive(interval, "interval");
        if (timeout.compareTo(interval) <= 0) {
            throw new IllegalArgumentException("timeout (" + timeout + ") must exceed interval (" + interval + ")");
        }
        if (!(jitter >= 0 && jitter < 0.5)) {
            throw new IllegalArgumentException("jitter must be in [0, 0.5), got " + jitter);
        }
    }

    /** 30 s interval, 90 s timeout, 10 % jitter. */
    public static HeartbeatSettings defaults() {
        return new HeartbeatSettings(DEFAULT_INTERVAL, DEFAULT_TIMEOUT, DEFAULT_JITTER);
    }

    /** The given interval and timeout with the default jitter. */
    public static HeartbeatSettings of(Duration interval, Duration timeout) {
        return new HeartbeatSettings(interval, timeout, DEFAULT_JITTER);
    }
}
