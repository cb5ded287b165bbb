package dev.agentmanager.store.jdbc;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A JDBC store's background work on one daemon thread: the heartbeat flush and the heartbeat cache's eviction (when
 * heartbeats are coalesced), and the database clock's re-measurement. A failed run is logged and retried at the next
 * period.
 */
final class StoreMaintenance {
    private static final System.Logger LOG = System.getLogger(StoreMaintenance.class.getName());

    private final ScheduledThreadPoolExecutor executor;

    /**
     * @param flush how often buffered heartbeats are written, or {@code null} when heartbeats are written through
     * @param cacheExpiry how long an agent without heartbeats stays in the heartbeat cache
     * @param clockSync how often the database clock offset is measured again; zero for never
     */
    StoreMaintenance(
            String tablePrefix,
            HeartbeatPath heartbeats,
            Duration flush,
            boolean coalescing,
            Duration cacheExpiry,
            Duration clockSync,
            Runnable synchronizeClock) {
        executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "agentmanager-jdbc-store-" + tablePrefix);
            t.setDaemon(true);
            return t;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        if (coalescing) {
            long flushMillis = flush.toMillis();
            every(flushMillis, TimeUnit.MILLISECONDS, "heartbeat flush", heartbeats::flushHeartbeats);
            // twice per interval, so that a heartbeat finds the feed fresh and never waits for its read
            every(
                    Math.max(1, flushMillis / 2),
                    TimeUnit.MILLISECONDS,
                    "agent change feed",
                    heartbeats::readAgentChanges);
            long expiryNanos = cacheExpiry.toNanos();
            every(
                    Math.max(1, expiryNanos / 4),
                    TimeUnit.NANOSECONDS,
                    "evicting cached agents",
                    heartbeats::evictCachedAgents);
            every(
                    Math.max(1, expiryNanos / 4),
                    TimeUnit.NANOSECONDS,
                    "evicting idle agents",
                    () -> heartbeats.evictIdle(expiryNanos));
        }
        if (!clockSync.isZero()) {
            every(clockSync.toMillis(), TimeUnit.MILLISECONDS, "clock synchronization", synchronizeClock);
        }
    }

    private void every(long period, TimeUnit unit, String what, Runnable work) {
        executor.scheduleWithFixedDelay(
                () -> {
                    try {
                        work.run();
                    } catch (RuntimeException e) {
                        LOG.log(Level.WARNING, what + " failed, will retry: " + e.getMessage(), e);
                    }
                },
                period,
                period,
                unit);
    }

    /** Stops the background work, waiting up to a minute for a run in progress. */
    void stop() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(1, TimeUnit.MINUTES)) {
                LOG.log(Level.WARNING, "background work did not stop within a minute");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops at once (the store failed to open). */
    void abandon() {
        executor.shutdownNow();
    }
}
