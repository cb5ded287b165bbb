package dev.agentmanager;

/**
 * Protection against mass expiry when the problem is on the orchestrator's side (a network partition, a
 * stalled database), after Eureka's self-preservation and Kubernetes' full-disruption mode, without their
 * known traps.
 *
 * <p>Within any window of one heartbeat timeout, the monitor marks at most {@code threshold} of the live
 * fleet inactive; further overdue agents are held (still ACTIVE) and an
 * {@link dev.agentmanager.event.AgentEvent.ExpiriesHeld} event is raised. The baseline is the live fleet
 * as it is now (active agents plus those expired within the window), so it shrinks as agents legitimately
 * expire or are deactivated, and a hold cannot get stuck on a stale expectation. When the overdue share
 * falls back under the threshold, held expiries are released at most {@code releasePerSweep} per sweep.
 * An operator can release everything at once with
 * {@link HeartbeatTimeoutMonitor#releaseHeldExpiries()}.
 *
 * @param enabled whether to hold expiries at all
 * @param threshold share of the live fleet, in {@code (0, 1]}, that may expire within one timeout window
 * @param minimumFleet below this many live agents the protection does not apply (one of three agents
 *     failing is not a partition)
 * @param releasePerSweep how many held expiries one sweep releases once the disruption ends
 */
public record SelfPreservation(boolean enabled, double threshold, int minimumFleet, int releasePerSweep) {

    public static final double DEFAULT_THRESHOLD = 0.25;
    public static final int DEFAULT_MINIMUM_FLEET = 10;
    public static final int DEFAULT_RELEASE_PER_SWEEP = 50;

    public SelfPreservation {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1], got " + threshold);
        }
        Settings.requirePositive(minimumFleet, "minimumFleet");
        Settings.requirePositive(releasePerSweep, "releasePerSweep");
    }

    /** Enabled: 25 % per timeout window, fleets of 10 or more, 50 releases per sweep. */
    public static SelfPreservation defaults() {
        return new SelfPreservation(true, DEFAULT_THRESHOLD, DEFAULT_MINIMUM_FLEET, DEFAULT_RELEASE_PER_SWEEP);
    }

    /** Never hold expiries. */
    public static SelfPreservation disabled() {
        return new SelfPreservation(false, DEFAULT_THRESHOLD, DEFAULT_MINIMUM_FLEET, DEFAULT_RELEASE_PER_SWEEP);
    }
}
