package dev.agentmanager;

/**
 * Protection against mass expiry when the problem is on the orchestrator's side (a network partition, a
 * stalled database), after Eureka's self-preservation and Kubernetes' full-disruption mode, without their
 * known traps. In one sentence: within one heartbeat timeout at most {@code threshold} of the live fleet
 * expires as it goes overdue; the agents overdue beyond that are held and then released evenly over the next
 * timeout (so a partial outage, a rack or a zone, is fully reflected within two timeouts), unless more than
 * {@code fleetWideShare} of the fleet is overdue, which looks like the orchestrator's own network: then they are
 * held until heartbeats return or an operator releases them
 * ({@link HeartbeatTimeoutMonitor#releaseHeldExpiries()}).
 *
 * <p>The live fleet is the active agents plus those expired within the last timeout, so it shrinks as agents
 * legitimately expire or are deactivated, and a hold cannot get stuck on a stale expectation. Every hold is an
 * {@link dev.agentmanager.event.AgentEvent.ExpiriesHeld} event saying how many and why.
 *
 * @param enabled whether to hold expiries at all
 * @param threshold share of the live fleet, in {@code (0, 1)}, that may expire within one timeout window
 * @param minimumFleet below this many live agents the protection does not apply (one of three agents
 *     failing is not a partition)
 * @param fleetWideShare overdue share of the live fleet, in {@code (threshold, 1]}, above which held expiries
 *     are not released by themselves
 */
public record SelfPreservation(boolean enabled, double threshold, int minimumFleet, double fleetWideShare) {

    public static final double DEFAULT_THRESHOLD = 0.25;
    public static final int DEFAULT_MINIMUM_FLEET = 10;
    public static final double DEFAULT_FLEET_WIDE_SHARE = 0.75;

    public SelfPreservation {
        if (!(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1), got " + threshold);
        }
        Settings.requirePositive(minimumFleet, "minimumFleet");
        if (!(fleetWideShare > threshold && fleetWideShare <= 1)) {
            throw new IllegalArgumentException(
                    "fleetWideShare must be in (threshold, 1], got " + fleetWideShare + " with threshold " + threshold);
        }
    }

    /** Enabled: 25 % per timeout window, fleets of 10 or more, fleet-wide above 75 %. */
    public static SelfPreservation defaults() {
        return new SelfPreservation(true, DEFAULT_THRESHOLD, DEFAULT_MINIMUM_FLEET, DEFAULT_FLEET_WIDE_SHARE);
    }

    /** Never hold expiries. */
    public static SelfPreservation disabled() {
        return new SelfPreservation(false, DEFAULT_THRESHOLD, DEFAULT_MINIMUM_FLEET, DEFAULT_FLEET_WIDE_SHARE);
    }
}
