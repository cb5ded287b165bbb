package dev.agentmanager;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.internal.EventDispatcher;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.spi.IAgentStore;
import dev.agentmanager.spi.MonitorPause;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Marks agents inactive when they miss their heartbeat deadline. Obtain it from
 * {@link AgentManager#timeoutMonitor()}.
 *
 * <p>Time comes only from the injected {@link Clock}. In tests call {@link #runOnce()} after advancing a
 * controllable clock; in production {@link #start()} runs it every sweep interval on its own daemon thread
 * (or {@link #start(ScheduledExecutorService)} on the host's scheduler) so that busy host work cannot starve
 * it.
 *
 * <p>Safety against false expiries:
 * <ul>
 *   <li><b>Pauses.</b> The first sweep of a monitor, and any sweep that finds the previous sweep (of any
 *       replica, as recorded in the store) older than the heartbeat timeout, expires nothing: it gives
 *       every live agent a fresh deadline instead ({@link AgentEvent.GracePeriodGranted}). A shorter pause, of
 *       more than {@value #PAUSE_SWEEPS} sweep intervals, is compensated: for one timeout after it, an agent is
 *       overdue only once its deadline plus the pause has passed ({@link AgentEvent.PauseCompensated}), since
 *       the heartbeats that arrived during the pause could not be processed. On a shared store the pause is
 *       recorded there ({@link IAgentStore#recordPause}) and every replica's sweeps compensate it. A GC pause, a suspended VM or a
 *       restart of the orchestrator therefore never expires agents that heartbeated on schedule. In a test,
 *       call {@code runOnce()} once before you start advancing the clock, and sweep at least every
 *       {@value #PAUSE_SWEEPS} sweep intervals (as production does) unless you mean to simulate a pause.</li>
 *   <li><b>Self-preservation.</b> See {@link SelfPreservation}. On a store {@linkplain IAgentStore#isShared()
 *       shared} by replicas its cap and release rate hold for the fleet: a sweep first takes the fleet's sweep
 *       lock ({@link IAgentStore#tryLockSweep}; a replica that finds it taken sweeps nothing this time), and the
 *       expiries counted against the cap are the store's ({@link IAgentStore#countExpiredSince}), whichever
 *       replica made them. Each replica keeps its own hold state, so each may publish its own
 *       {@link AgentEvent.ExpiriesHeld}.</li>
 * </ul>
 *
 * <p>Expiry is exactly-once across replicas: {@link IAgentStore#expireAgent} only succeeds while the
 * agent's version and overdue deadline are unchanged, and only the replica whose write succeeded publishes
 * {@link AgentEvent.AgentInactivated}. Finding overdue agents costs in proportion to their number (the
 * store's deadline index), not to the fleet.
 *
 * <p>The monitor also prunes expired, revoked and exhausted registration tokens every
 * {@link #PRUNE_INTERVAL}.
 */
public final class HeartbeatTimeoutMonitor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HeartbeatTimeoutMonitor.class.getName());

    /** A gap between sweeps of more than this many sweep intervals is a pause to compensate. */
    public static final int PAUSE_SWEEPS = 3;

    /** Default time between sweeps. */
    public static final Duration DEFAULT_SWEEP_INTERVAL = Duration.ofSeconds(1);
    /** Default most agents examined per sweep. */
    public static final int DEFAULT_SWEEP_BATCH_SIZE = 10_000;
    /** How often the monitor prunes tokens. */
    public static final Duration PRUNE_INTERVAL = Duration.ofMinutes(10);

    /**
     * What one sweep did.
     *
     * @param at the clock's time at the start of the sweep
     * @param expired agents this sweep marked inactive
     * @param held overdue agents held back by self-preservation
     * @param gracePeriodGranted whether this sweep gave every live agent a fresh deadline instead
     * @param prunedTokens registration tokens deleted
     */
    public record SweepResult(Instant at, int expired, int held, boolean gracePeriodGranted, int prunedTokens) {}

    private final IAgentStore store;
    private final Clock clock;
    private final HeartbeatSettings heartbeat;
    private final SelfPreservation selfPreservation;
    private final RegistrationTokenService tokens;
    private final EventDispatcher events;
    private final Duration sweepInterval;
    private final int batchSize;
    /** This monitor's name on the fleet's sweep lock. */
    private final String owner = UUID.randomUUID().toString();

    private final Object sweepLock = new Object();
    // guarded by sweepLock
    private boolean firstSweep = true;
    private boolean holding;
    /** How many expiries were held when the current hold began. */
    private int heldAtStart;

    private boolean releaseAllOnce;
    /** This monitor's expiries within the last timeout, one element per sweep that expired any (oldest first). */
    private final ArrayDeque<Expiries> recentExpiries = new ArrayDeque<>();
    /** Pauses still compensated, oldest first. */
    private final ArrayDeque<Compensation> compensations = new ArrayDeque<>();
    /** The sum of {@code recentExpiries}' counts. */
    private long recentExpiryCount;

    private @Nullable Instant nextPruneAt;
    /** Ends due task attempts after each sweep; null while tasks are off. Set once while the manager is built. */
    private @Nullable TaskSweeper taskSweeper;
    /** The last sweep that ran to its end, for health checks. */
    private volatile @Nullable SweepResult lastSweep;

    // guarded by this
    private @Nullable ScheduledExecutorService ownExecutor;
    private @Nullable ScheduledFuture<?> task;

    HeartbeatTimeoutMonitor(
            IAgentStore store,
            Clock clock,
            HeartbeatSettings heartbeat,
            SelfPreservation selfPreservation,
            RegistrationTokenService tokens,
            EventDispatcher events,
            Duration sweepInterval,
            int batchSize) {
        this.store = store;
        this.clock = clock;
        this.heartbeat = heartbeat;
        this.selfPreservation = selfPreservation;
        this.tokens = tokens;
        this.events = events;
        this.sweepInterval = sweepInterval;
        this.batchSize = batchSize;
    }

    void taskSweeper(TaskSweeper sweeper) {
        this.taskSweeper = sweeper;
    }

    /**
     * Runs one sweep now, on the calling thread. Deterministic given the clock and the store. On a store shared
     * by replicas the sweep first takes the fleet's sweep lock; while another replica holds it, this call
     * sweeps nothing.
     */
    public SweepResult runOnce() {
        synchronized (sweepLock) {
            Instant now = clock.instant();
            int pruned = pruneIfDue(now);
            SweepResult result;
            if (!store.isShared()) {
                result = sweep(now, pruned);
            } else if (!store.tryLockSweep(owner, now, sweepLease())) {
                result = new SweepResult(now, 0, 0, false, pruned); // another replica is sweeping
            } else {
                try {
                    result = sweep(now, pruned);
                } finally {
                    store.unlockSweep(owner, clock.instant());
                }
            }
            lastSweep = result;
            return result;
        }
    }

    /**
     * The last {@link #runOnce()} that completed (including one that found another replica sweeping), or empty
     * before the first. A health check compares its {@code at} with the clock and the {@link #sweepInterval()}.
     */
    public Optional<SweepResult> lastSweep() {
        return Optional.ofNullable(lastSweep);
    }

    /** The time between sweeps once started. */
    public Duration sweepInterval() {
        return sweepInterval;
    }

    /** Long enough for a big sweep; a replica that dies holding the lock delays the fleet's sweeps this long. */
    private Duration sweepLease() {
        return heartbeat.timeout().dividedBy(3);
    }

    private SweepResult sweep(Instant now, int pruned) {
        Instant previous = store.recordSweep(now).orElse(null);
        Duration timeout = heartbeat.timeout();
        // another replica's clock may be ahead of this one's: a sweep "after now" is no pause
        Duration gap = previous == null || previous.isAfter(now) ? null : Duration.between(previous, now);
        if (firstSweep) {
            firstSweep = false;
            return grantGrace(now, gap, true, pruned);
        }
        if (gap != null && gap.compareTo(timeout) > 0) {
            return grantGrace(now, gap, false, pruned);
        }
        Instant windowStart = now.minus(timeout);
        while (!recentExpiries.isEmpty() && recentExpiries.peekFirst().at().isBefore(windowStart)) {
            recentExpiryCount -= recentExpiries.pollFirst().count();
        }
        // overdue means: deadline plus the pauses still compensated before now
        Instant cutoff = now.minus(compensation(gap, now));

        List<Agent> overdue = store.findOverdue(cutoff, batchSize);
        List<Agent> overdueActive = new ArrayList<>(overdue.size());
        int expired = 0;
        for (Agent agent : overdue) {
            if (agent.status() == AgentStatus.PENDING) {
                if (expire(agent, InactiveReason.NEVER_CHECKED_IN, now, cutoff)) {
                    expired++;
                }
            } else if (agent.status() == AgentStatus.ACTIVE) {
                overdueActive.add(agent);
            }
        }
        int allowed = allowedExpiries(overdueActive.size(), now);
        int missed = 0;
        for (int i = 0; i < allowed; i++) {
            if (expire(overdueActive.get(i), InactiveReason.MISSED_HEARTBEATS, now, cutoff)) {
                missed++;
            }
        }
        if (missed > 0) {
            recentExpiries.addLast(new Expiries(now, missed));
            recentExpiryCount += missed;
        }
        expired += missed;
        if (taskSweeper != null) {
            taskSweeper.sweep(now, cutoff, holding);
        }
        return new SweepResult(now, expired, overdueActive.size() - allowed, false, pruned);
    }

    /** How many of the overdue active agents this sweep may expire; updates the hold state. */
    private int allowedExpiries(int overdue, Instant now) {
        if (releaseAllOnce) {
            releaseAllOnce = false;
            holding = false;
            return overdue;
        }
        if (!selfPreservation.enabled()) {
            return overdue;
        }
        // on a shared store the fleet's expiries count, whichever replica made them
        boolean shared = store.isShared();
        long recent = shared ? store.countExpiredSince(now.minus(heartbeat.timeout())) : recentExpiryCount;
        long liveFleet = store.countAgents(AgentStatus.ACTIVE) + recent;
        long budget = (long) Math.floor(selfPreservation.threshold() * liveFleet) - recent;
        if (overdue == 0 || liveFleet < selfPreservation.minimumFleet() || overdue <= budget) {
            if (holding) {
                holding = false;
                LOG.log(Level.INFO, "self-preservation ended; " + overdue + " overdue agents expire now");
                events.publish(new AgentEvent.ExpiriesReleased(now, overdue));
            }
            return overdue;
        }
        double share = (overdue + recent) / (double) liveFleet;
        boolean fleetWide = share > selfPreservation.fleetWideShare();
        boolean starting = !holding;
        if (starting) {
            holding = true;
            heldAtStart = overdue;
            String reason = fleetWide
                    ? "more than " + percent(selfPreservation.fleetWideShare()) + " of the live fleet is overdue,"
                            + " which looks like the orchestrator's own network: held until heartbeats return"
                    : percent(share) + " of the live fleet is overdue: released evenly over the next timeout";
            LOG.log(
                    Level.WARNING,
                    "self-preservation: " + overdue + " of " + liveFleet + " live agents held; " + reason);
            events.publish(new AgentEvent.ExpiriesHeld(now, overdue, liveFleet, reason));
        }
        if (fleetWide) { // what is left of this window's budget, then nothing more until heartbeats return
            return starting ? (int) Math.max(0, budget) : 0;
        }
        // a partial outage (a rack, a zone): every held expiry within one more timeout
        long sweepsPerTimeout = Math.max(1, heartbeat.timeout().toMillis() / sweepInterval.toMillis());
        long perSweep = (heldAtStart + sweepsPerTimeout - 1) / sweepsPerTimeout;
        if (shared) { // one sweep interval's release for the fleet: less what other replicas released in it
            perSweep = Math.max(
                    0,
                    perSweep - store.countExpiredSince(now.minus(sweepInterval).plusMillis(1)));
        }
        return (int) Math.min(overdue, Math.max(budget, perSweep));
    }

    private static String percent(double share) {
        return Math.round(share * 100) + " %";
    }

    /**
     * Records a pause if {@code gap} is one, drops compensations that have run out, and returns the total still
     * in force.
     */
    private Duration compensation(@Nullable Duration gap, Instant now) {
        if (gap != null && gap.compareTo(sweepInterval.multipliedBy(PAUSE_SWEEPS)) > 0) {
            // microseconds, what a database keeps: read back from a shared store it is the same compensation
            Duration pause = gap.minus(sweepInterval).truncatedTo(ChronoUnit.MICROS);
            Instant until = now.plus(heartbeat.timeout()).truncatedTo(ChronoUnit.MICROS);
            compensations.addLast(new Compensation(pause, until));
            if (store.isShared()) {
                store.recordPause(new MonitorPause(pause, until));
            }
            LOG.log(
                    Level.WARNING,
                    "timeout monitor had not run for " + gap + "; until " + until
                            + " agents count as overdue only once their deadline plus " + pause + " has passed");
            events.publish(new AgentEvent.PauseCompensated(now, pause, until));
        }
        if (store.isShared()) { // a pause another replica's sweep noticed counts here too
            store.findPause(now)
                    .map(p -> new Compensation(p.pause(), p.until()))
                    .filter(c -> !compensations.contains(c))
                    .ifPresent(compensations::addLast);
        }
        compensations.removeIf(c -> !c.until().isAfter(now));
        Duration total = Duration.ZERO;
        for (Compensation c : compensations) {
            total = total.plus(c.pause());
        }
        return total;
    }

    /** A pause of the monitor, compensated until {@code until}. */
    private record Compensation(Duration pause, Instant until) {}

    private SweepResult grantGrace(Instant now, @Nullable Duration gap, boolean starting, int pruned) {
        Instant deadline = now.plus(heartbeat.timeout());
        int extended = store.extendDeadlines(deadline);
        recentExpiries.clear();
        recentExpiryCount = 0;
        holding = false;
        compensations.clear();
        if (starting) { // a fresh start is no pause, whatever another replica's last sweep was
            LOG.log(Level.INFO, "timeout monitor starting; gave " + extended + " agents a fresh deadline");
        } else {
            LOG.log(
                    Level.WARNING,
                    "timeout monitor had not run for " + gap + " (timeout " + heartbeat.timeout() + "); gave "
                            + extended + " agents a fresh deadline instead of expiring them");
        }
        events.publish(new AgentEvent.GracePeriodGranted(now, starting ? null : gap, deadline, extended));
        return new SweepResult(now, 0, 0, true, pruned);
    }

    /** How many agents one sweep expired for missed heartbeats. */
    private record Expiries(Instant at, int count) {}

    /** Marks the agent inactive since {@code now} if its deadline is still before {@code cutoff}. */
    private boolean expire(Agent agent, InactiveReason reason, Instant now, Instant cutoff) {
        Agent inactive = agent.withStatus(AgentStatus.INACTIVE, reason, now);
        if (store.expireAgent(inactive, agent.version(), cutoff).isEmpty()) {
            return false; // a heartbeat, an operator or another replica got there first
        }
        LOG.log(Level.INFO, () -> "agent " + agent.id() + " inactive: " + reason);
        events.publish(new AgentEvent.AgentInactivated(now, agent.id(), reason));
        return true;
    }

    private int pruneIfDue(Instant now) {
        if (nextPruneAt != null && now.isBefore(nextPruneAt)) {
            return 0;
        }
        nextPruneAt = now.plus(PRUNE_INTERVAL);
        return tokens.prune(now);
    }

    /**
     * Operator override of self-preservation: the next sweep expires every overdue agent it finds, held or
     * not, and the hold ends.
     */
    public void releaseHeldExpiries() {
        synchronized (sweepLock) {
            releaseAllOnce = true;
        }
    }

    /** Whether self-preservation is currently holding expiries back. */
    public boolean isHoldingExpiries() {
        synchronized (sweepLock) {
            return holding;
        }
    }

    /** Starts sweeping every sweep interval on a daemon thread of its own. */
    public synchronized void start() {
        if (task != null) {
            throw new IllegalStateException("timeout monitor already started");
        }
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "agentmanager-timeout-monitor");
            t.setDaemon(true);
            return t;
        });
        ownExecutor = executor;
        start(executor);
    }

    /**
     * Starts sweeping every sweep interval on the host's scheduler (which {@link #close()} leaves running).
     *
     * @throws IllegalStateException if already started
     */
    public synchronized void start(ScheduledExecutorService executor) {
        requireNonNull(executor, "executor");
        if (task != null) {
            throw new IllegalStateException("timeout monitor already started");
        }
        long millis = sweepInterval.toMillis();
        task = executor.scheduleWithFixedDelay(this::runSafely, 0, millis, TimeUnit.MILLISECONDS);
    }

    /** Whether {@link #start} was called and {@link #close()} was not. */
    public synchronized boolean isRunning() {
        return task != null;
    }

    private void runSafely() {
        try {
            runOnce();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "timeout sweep failed; will retry next interval", e);
        }
    }

    /** Stops sweeping. Idempotent. */
    @Override
    public synchronized void close() {
        if (task != null) {
            task.cancel(false);
            task = null;
        }
        if (ownExecutor != null) {
            ownExecutor.shutdown();
            try {
                ownExecutor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ownExecutor = null;
        }
    }
}
