package dev.agentmanager.spring;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.AgentManager;
import dev.agentmanager.HeartbeatTimeoutMonitor;
import dev.agentmanager.ca.bouncycastle.Pem;
import dev.agentmanager.spi.IAgentStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.util.ClassUtils;

/**
 * Health of the manager, {@code DOWN} when any of these fails: the store answers a read; the timeout monitor runs
 * and its last sweep is at most {@code missed-sweeps} sweep intervals old; on the JDBC store, buffered heartbeats
 * are not waiting on a flush that last succeeded more than {@code missed-flushes} flush intervals ago; no
 * certificate of the CA's bundle expires within {@code ca-expiry-warning}. Details name each check.
 */
public final class AgentManagerHealthIndicator implements HealthIndicator {
    private static final boolean JDBC_PRESENT = ClassUtils.isPresent(
            "dev.agentmanager.store.jdbc.JdbcAgentStore", AgentManagerHealthIndicator.class.getClassLoader());
    /** An agent id no agent has; reading it proves the store answers. */
    static final String PROBE_ID = "agentmanager-health-probe";

    private final AgentManager manager;
    private final @Nullable IAgentStore store;
    private final AgentManagerProperties.Health thresholds;
    private final Clock clock;

    /**
     * @param store the manager's store, for the JDBC flush check (null: no flush check)
     * @param clock the manager's and the store's clock
     */
    public AgentManagerHealthIndicator(
            AgentManager manager, @Nullable IAgentStore store, AgentManagerProperties.Health thresholds, Clock clock) {
        this.manager = requireNonNull(manager, "manager");
        this.store = store;
        this.thresholds = requireNonNull(thresholds, "thresholds");
        this.clock = requireNonNull(clock, "clock");
    }

    @Override
    public Health health() {
        Instant now = clock.instant();
        Health.Builder health = Health.up();
        boolean up = true;
        try {
            manager.findAgent(PROBE_ID);
            health.withDetail("store", "reachable");
        } catch (RuntimeException e) {
            health.withDetail("store", "unreachable: " + e.getMessage());
            up = false;
        }
        up &= monitor(health, now);
        up &= flush(health, now);
        up &= ca(health, now);
        return (up ? health : health.down()).build();
    }

    private boolean monitor(Health.Builder health, Instant now) {
        HeartbeatTimeoutMonitor monitor = manager.timeoutMonitor();
        if (!monitor.isRunning()) {
            health.withDetail("monitor", "not running");
            return false;
        }
        Duration limit = monitor.sweepInterval().multipliedBy(thresholds.missedSweeps());
        Optional<HeartbeatTimeoutMonitor.SweepResult> last = monitor.lastSweep();
        if (last.isEmpty()) {
            health.withDetail("monitor", "no sweep yet");
            return false;
        }
        Duration age = Duration.between(last.get().at(), now);
        health.withDetail("lastSweep", last.get().at().toString());
        if (age.compareTo(limit) > 0) {
            health.withDetail("monitor", "last sweep " + age + " ago, more than " + limit);
            return false;
        }
        health.withDetail("monitor", "sweeping");
        if (monitor.isHoldingExpiries()) {
            health.withDetail("selfPreservation", "holding expiries");
        }
        return true;
    }

    private boolean flush(Health.Builder health, Instant now) {
        IAgentStore current = store;
        if (!JDBC_PRESENT || current == null) {
            return true;
        }
        return JdbcFlush.check(current, health, thresholds.missedFlushes(), now);
    }

    private boolean ca(Health.Builder health, Instant now) {
        Instant firstExpiry = Instant.MAX;
        for (X509Certificate certificate :
                Pem.readCertificates(manager.trustBundle().certificatesPem())) {
            Instant notAfter = certificate.getNotAfter().toInstant();
            if (notAfter.isBefore(firstExpiry)) {
                firstExpiry = notAfter;
            }
        }
        health.withDetail("caExpires", firstExpiry.toString());
        if (!now.plus(thresholds.caExpiryWarning()).isBefore(firstExpiry)) {
            health.withDetail(
                    "ca", now.isBefore(firstExpiry) ? "expires within " + thresholds.caExpiryWarning() : "expired");
            return false;
        }
        return true;
    }

    /** Apart, so that nothing of the JDBC store is loaded without it on the class path. */
    private static final class JdbcFlush {
        static boolean check(IAgentStore store, Health.Builder health, int missedFlushes, Instant now) {
            if (!(store instanceof dev.agentmanager.store.jdbc.JdbcAgentStore jdbc)) {
                return true;
            }
            int buffered = jdbc.bufferedHeartbeats();
            Instant last = jdbc.lastHeartbeatFlush();
            Duration age = Duration.between(last, now);
            health.withDetail("bufferedHeartbeats", buffered).withDetail("lastFlush", last.toString());
            Duration limit = jdbc.heartbeatFlushInterval().multipliedBy(missedFlushes);
            if (buffered > 0 && age.compareTo(limit) > 0) {
                health.withDetail("heartbeatFlush", "lagging: last flush " + age + " ago, more than " + limit);
                return false;
            }
            health.withDetail("heartbeatFlush", "keeping up");
            return true;
        }
    }
}
