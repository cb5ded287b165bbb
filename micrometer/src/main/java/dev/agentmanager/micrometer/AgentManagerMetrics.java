package dev.agentmanager.micrometer;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.AgentManager;
import dev.agentmanager.ManagerObserver;
import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.event.HeartbeatRejection;
import dev.agentmanager.exception.TokenRejectionReason;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.store.jdbc.JdbcAgentStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer metrics of an {@link AgentManager}. A host binds it with one line:
 *
 * <pre>{@code
 * new AgentManagerMetrics(manager).bindTo(registry);   // or AgentManagerMetrics.withJdbcStore(manager, store)
 * }</pre>
 *
 * <p>Meters (names dot-separated, times in seconds, every tag value bounded):
 * <ul>
 *   <li>{@code agentmanager.heartbeats} counter, tag {@code outcome} (accepted, rejected) and {@code reason}
 *       (a {@link HeartbeatRejection} in lower case, {@code none} when accepted);
 *   <li>{@code agentmanager.heartbeat.duration} and {@code agentmanager.registration.duration} timers, tag
 *       {@code outcome};
 *   <li>{@code agentmanager.registrations} counter, tags {@code outcome} and {@code reason} (a
 *       {@link TokenRejectionReason}; never a token or its id);
 *   <li>{@code agentmanager.certificate.renewals}, {@code agentmanager.revocations},
 *       {@code agentmanager.expiries} (tag {@code reason}: missed_heartbeats, never_checked_in) and
 *       {@code agentmanager.expiries.held} (overdue agents self-preservation held back) counters;
 *   <li>{@code agentmanager.agents} gauge, tag {@code status};
 *   <li>{@code agentmanager.monitor.last.sweep.age} gauge (seconds since the timeout monitor's last sweep;
 *       NaN before the first);
 *   <li>with a JDBC store: {@code agentmanager.jdbc.heartbeats.buffered} and
 *       {@code agentmanager.jdbc.heartbeat.flush.age} gauges.
 * </ul>
 *
 * <p>Costs on the routine heartbeat: one timer record and one counter increment (both pre-resolved, no tag
 * look-up, no allocation). {@link #close()} detaches it from the manager.
 */
public final class AgentManagerMetrics implements MeterBinder, AutoCloseable {
    private final AgentManager manager;
    private final @Nullable JdbcAgentStore jdbcStore;
    private final Clock clock;
    private @Nullable AutoCloseable subscription;

    /** Metrics of the manager; the store's own gauges are left out. Ages are measured on the manager's clock. */
    public AgentManagerMetrics(AgentManager manager) {
        this(manager, null);
    }

    /** Metrics of the manager and of its JDBC store (buffered heartbeats, flush age). */
    public static AgentManagerMetrics withJdbcStore(AgentManager manager, JdbcAgentStore store) {
        return new AgentManagerMetrics(manager, requireNonNull(store, "store"));
    }

    private AgentManagerMetrics(AgentManager manager, @Nullable JdbcAgentStore jdbcStore) {
        this.manager = requireNonNull(manager, "manager");
        this.jdbcStore = jdbcStore;
        this.clock = manager.clock();
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        requireNonNull(registry, "registry");
        if (subscription != null) {
            throw new IllegalStateException("already bound; bind one AgentManagerMetrics per registry");
        }
        for (AgentStatus status : AgentStatus.values()) {
            Gauge.builder("agentmanager.agents", manager, m -> m.countAgents(status))
                    .description("Agents by status")
                    .tag("status", lower(status))
                    .register(registry);
        }
        Gauge.builder("agentmanager.monitor.last.sweep.age", manager, this::sweepAge)
                .description("Time since the timeout monitor's last sweep")
                .baseUnit("seconds")
                .register(registry);
        JdbcAgentStore store = jdbcStore;
        if (store != null) {
            Gauge.builder("agentmanager.jdbc.heartbeats.buffered", store, JdbcAgentStore::bufferedHeartbeats)
                    .description("Heartbeats accepted and not yet written to the database")
                    .register(registry);
            Gauge.builder("agentmanager.jdbc.heartbeat.flush.age", store, s -> seconds(s.lastHeartbeatFlush()))
                    .description("Time since the JDBC store last wrote its buffered heartbeats")
                    .baseUnit("seconds")
                    .register(registry);
        }
        subscription = manager.observe(new Recorder(registry));
    }

    private double sweepAge(AgentManager m) {
        return m.timeoutMonitor().lastSweep().map(r -> seconds(r.at())).orElse(Double.NaN);
    }

    private double seconds(Instant since) {
        return Duration.between(since, clock.instant()).toNanos() / 1e9;
    }

    @Override
    public synchronized void close() throws Exception {
        if (subscription != null) {
            subscription.close();
            subscription = null;
        }
    }

    static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** The meters the manager's work updates, resolved once. */
    private static final class Recorder implements ManagerObserver {
        private final Counter heartbeatsAccepted;
        private final Map<HeartbeatRejection, Counter> heartbeatsRejected = new EnumMap<>(HeartbeatRejection.class);
        private final Timer heartbeatAccepted;
        private final Timer heartbeatRejected;
        private final Counter registrationsAccepted;
        private final Map<TokenRejectionReason, Counter> registrationsRejected =
                new EnumMap<>(TokenRejectionReason.class);
        private final Timer registrationAccepted;
        private final Timer registrationRejected;
        private final Counter renewals;
        private final Counter revocations;
        private final Map<InactiveReason, Counter> expiries = new EnumMap<>(InactiveReason.class);
        private final Counter held;

        Recorder(MeterRegistry registry) {
            heartbeatsAccepted = Counter.builder("agentmanager.heartbeats")
                    .description("Heartbeats processed")
                    .tags("outcome", "accepted", "reason", "none")
                    .register(registry);
            for (HeartbeatRejection r : HeartbeatRejection.values()) {
                heartbeatsRejected.put(
                        r,
                        Counter.builder("agentmanager.heartbeats")
                                .description("Heartbeats processed")
                                .tags("outcome", "rejected", "reason", lower(r))
                                .register(registry));
            }
            heartbeatAccepted = timer(registry, "agentmanager.heartbeat.duration", "accepted");
            heartbeatRejected = timer(registry, "agentmanager.heartbeat.duration", "rejected");
            registrationsAccepted = Counter.builder("agentmanager.registrations")
                    .description("Registrations")
                    .tags("outcome", "accepted", "reason", "none")
                    .register(registry);
            for (TokenRejectionReason r : TokenRejectionReason.values()) {
                registrationsRejected.put(
                        r,
                        Counter.builder("agentmanager.registrations")
                                .description("Registrations")
                                .tags("outcome", "rejected", "reason", lower(r))
                                .register(registry));
            }
            registrationAccepted = timer(registry, "agentmanager.registration.duration", "accepted");
            registrationRejected = timer(registry, "agentmanager.registration.duration", "rejected");
            renewals = Counter.builder("agentmanager.certificate.renewals")
                    .description("Certificates renewed")
                    .register(registry);
            revocations = Counter.builder("agentmanager.revocations")
                    .description("Agents revoked")
                    .register(registry);
            for (InactiveReason r :
                    new InactiveReason[] {InactiveReason.MISSED_HEARTBEATS, InactiveReason.NEVER_CHECKED_IN}) {
                expiries.put(
                        r,
                        Counter.builder("agentmanager.expiries")
                                .description("Agents the timeout monitor marked inactive")
                                .tag("reason", lower(r))
                                .register(registry));
            }
            held = Counter.builder("agentmanager.expiries.held")
                    .description("Overdue agents self-preservation held back when a hold began")
                    .register(registry);
        }

        private static Timer timer(MeterRegistry registry, String name, String outcome) {
            return Timer.builder(name).tag("outcome", outcome).register(registry);
        }

        @Override
        public void heartbeatProcessed(long nanos, boolean accepted) {
            (accepted ? heartbeatAccepted : heartbeatRejected).record(nanos, TimeUnit.NANOSECONDS);
            if (accepted) {
                heartbeatsAccepted.increment();
            }
        }

        @Override
        public void registrationProcessed(long nanos, boolean accepted) {
            (accepted ? registrationAccepted : registrationRejected).record(nanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void onEvent(AgentEvent event) {
            if (event instanceof AgentEvent.HeartbeatRejected e) {
                requireNonNull(heartbeatsRejected.get(e.reason())).increment();
            } else if (event instanceof AgentEvent.AgentRegistered || event instanceof AgentEvent.AgentReenrolled) {
                registrationsAccepted.increment();
            } else if (event instanceof AgentEvent.RegistrationRejected e) {
                requireNonNull(registrationsRejected.get(e.reason())).increment();
            } else if (event instanceof AgentEvent.CertificateIssued e && e.renewal()) {
                renewals.increment();
            } else if (event instanceof AgentEvent.AgentRevoked) {
                revocations.increment();
            } else if (event instanceof AgentEvent.AgentInactivated e && expiries.containsKey(e.reason())) {
                requireNonNull(expiries.get(e.reason())).increment();
            } else if (event instanceof AgentEvent.ExpiriesHeld e) {
                held.increment(e.overdue());
            }
        }
    }
}
