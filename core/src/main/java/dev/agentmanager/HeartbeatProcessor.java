package dev.agentmanager;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.event.HeartbeatRejection;
import dev.agentmanager.exception.AgentManagerException;
import dev.agentmanager.exception.AgentNotFoundException;
import dev.agentmanager.exception.AgentRevokedException;
import dev.agentmanager.exception.CapabilityNotAllowedException;
import dev.agentmanager.exception.CertificateMismatchException;
import dev.agentmanager.exception.ConcurrentAgentModificationException;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.exception.StaleHeartbeatException;
import dev.agentmanager.internal.EventDispatcher;
import dev.agentmanager.internal.RequestValidator;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Capability;
import dev.agentmanager.model.CertificatePin;
import dev.agentmanager.model.CertificateStatus;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.HeartbeatResponse;
import dev.agentmanager.spi.HeartbeatWrite;
import dev.agentmanager.spi.IAgentStore;
import dev.agentmanager.task.TaskDirectives;
import dev.agentmanager.task.TaskLease;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * Accepts heartbeats: the hot path. Obtain it from {@link AgentManager#heartbeatProcessor()}.
 *
 * <p>A heartbeat that changes nothing but liveness (the routine one a healthy fleet sends all day) costs a
 * look-up in the manager's {@link CertificateValidity} cache (which refuses a certificate revoked on any
 * replica within the propagation bound), one store read ({@link IAgentStore#findAgentForHeartbeat}, which a database store may answer from a cache) and
 * one conditional liveness write ({@link IAgentStore#recordHeartbeat}).
 * Durable changes (first heartbeat, return from missed heartbeats, certificate promotion, capabilities,
 * health, version) take an optimistic update on top, retried on conflict. A revocation always wins: the
 * liveness write is conditional on the agent's version, so a heartbeat that raced a revoke re-reads the
 * agent, sees it revoked and is rejected. The first heartbeat that presents a renewed certificate makes it
 * current and revokes the old one at the certificate authority.
 *
 * <p>Declared capabilities are held to the agent's {@link Agent#allowedCapabilities() allowed set} (its
 * registration token's scope) once the agent is authenticated and before anything is written: a heartbeat
 * that steps outside it is rejected ({@link HeartbeatRejection#CAPABILITY_NOT_ALLOWED}) and records nothing,
 * not even liveness.
 */
public final class HeartbeatProcessor implements IHeartbeatProcessor {
    private static final System.Logger LOG = System.getLogger(HeartbeatProcessor.class.getName());
    private static final int MAX_ATTEMPTS = 16;
    /** The largest clock skew recorded, either way. */
    static final Duration MAX_SKEW = Duration.ofNanos(Long.MAX_VALUE);

    private final IAgentStore store;
    private final IssuedCertificates issued;
    private final CertificateValidityCache validity;
    private final Clock clock;
    private final HeartbeatSettings heartbeat;
    private final RenewalPolicy renewal;
    private final RequestValidator validator;
    private final EventDispatcher events;
    private final Observers observers;
    /** Intervals evenly spread over interval × [1 − jitter, 1 + jitter], picked at random per response. */
    private final Duration[] jitteredIntervals;
    /** Task hints for responses; null while tasks are off. Set once while the manager is built. */
    private @Nullable TaskHints taskHints;

    HeartbeatProcessor(
            IAgentStore store,
            IssuedCertificates issued,
            CertificateValidityCache validity,
            Clock clock,
            HeartbeatSettings heartbeat,
            RenewalPolicy renewal,
            RequestValidator validator,
            EventDispatcher events,
            Observers observers) {
        this.store = store;
        this.issued = issued;
        this.validity = validity;
        this.clock = clock;
        this.heartbeat = heartbeat;
        this.renewal = renewal;
        this.validator = validator;
        this.events = events;
        this.observers = observers;
        this.jitteredIntervals = jitteredIntervals(heartbeat);
    }

    void taskHints(TaskHints hints) {
        this.taskHints = hints;
    }

    @Override
    public HeartbeatResponse process(Heartbeat hb) {
        if (observers.isEmpty()) {
            return handle(hb);
        }
        long start = System.nanoTime();
        boolean accepted = false;
        try {
            HeartbeatResponse response = handle(hb);
            accepted = true;
            return response;
        } finally {
            observers.heartbeatProcessed(System.nanoTime() - start, accepted);
        }
    }

    private HeartbeatResponse handle(Heartbeat hb) {
        requireNonNull(hb, "heartbeat");
        Instant now = clock.instant();
        String agentId = hb.agentId();
        Duration skew = clockSkew(hb.agentTime(), now);

        String thumbprint = validate(hb, now);
        CertificateStatus status = validity.checkValidated(thumbprint); // validated just above
        if (!status.isCurrent()) {
            throw refuseCertificate(agentId, thumbprint, status, now);
        }
        Instant deadline = now.plus(heartbeat.timeout());
        Agent agent;
        HeartbeatWrite write;
        int attempt = 0;
        while (true) {
            // After a VERSION_CHANGED, read through: the cache that answered may be the stale part.
            agent = (attempt == 0 ? store.findAgentForHeartbeat(agentId) : store.findAgent(agentId)).orElse(null);
            if (agent == null) {
                throw reject(agentId, HeartbeatRejection.UNKNOWN_AGENT, now, new AgentNotFoundException(agentId));
            }
            authenticate(agent, thumbprint, now);
            requireAllowedCapabilities(agent, hb, now); // before the liveness write: a refusal records nothing
            write = store.recordHeartbeat(agentId, agent.version(), hb.bootEpoch(), hb.sequence(), now, deadline, skew);
            if (write == HeartbeatWrite.ACCEPTED || write == HeartbeatWrite.ACCEPTED_NEW_EPOCH) {
                break;
            }
            if (write == HeartbeatWrite.STALE) {
                throw reject(
                        agentId,
                        HeartbeatRejection.STALE,
                        now,
                        new StaleHeartbeatException(agentId, hb.bootEpoch(), hb.sequence()));
            }
            if (write == HeartbeatWrite.NOT_FOUND) {
                throw reject(agentId, HeartbeatRejection.UNKNOWN_AGENT, now, new AgentNotFoundException(agentId));
            }
            if (++attempt >= MAX_ATTEMPTS) { // VERSION_CHANGED, again and again
                throw new ConcurrentAgentModificationException(agentId);
            }
        }

        if (write == HeartbeatWrite.ACCEPTED_NEW_EPOCH && agent.liveness().lastHeartbeatAt() != null) {
            events.publish(
                    new AgentEvent.AgentRestarted(now, agentId, agent.liveness().bootEpoch(), hb.bootEpoch()));
        }
        Agent current = applyDurableChanges(agent, hb, thumbprint, now); // the same agent when nothing changes
        return new HeartbeatResponse(
                now,
                current.status(),
                hb.bootEpoch(),
                hb.sequence(),
                nextInterval(),
                deadline,
                shouldRenew(current, now),
                taskHints == null ? TaskDirectives.none() : taskHints.directives(current, hb.heldTasks()));
    }

    /**
     * The agent's clock minus ours, clamped to what every store can record (a {@code long} of nanoseconds, about
     * 292 years either way): the agent controls {@code agentTime}, and liveness never depends on it.
     */
    static @Nullable Duration clockSkew(@Nullable Instant agentTime, Instant now) {
        if (agentTime == null) {
            return null;
        }
        Duration skew = Duration.between(now, agentTime);
        if (skew.compareTo(MAX_SKEW) > 0) {
            return MAX_SKEW;
        }
        return skew.compareTo(MAX_SKEW.negated()) < 0 ? MAX_SKEW.negated() : skew;
    }

    private String validate(Heartbeat hb, Instant now) {
        try {
            validator.id("agentId", hb.agentId());
            if (hb.bootEpoch() < 0 || hb.sequence() < 0) {
                throw new InvalidRequestException("heartbeat", "bootEpoch and sequence must be >= 0");
            }
            if (hb.capabilities() != null) {
                validator.capabilities(hb.capabilities());
            }
            if (hb.agentVersion() != null) {
                validator.version("agentVersion", hb.agentVersion());
            }
            if (hb.heldTasks().size() > Heartbeat.MAX_HELD_TASKS) {
                throw new InvalidRequestException("heldTasks", "more than " + Heartbeat.MAX_HELD_TASKS);
            }
            for (TaskLease lease : hb.heldTasks()) {
                validator.id("heldTasks", lease.taskId());
            }
            return validator.thumbprint(hb.certificateThumbprint());
        } catch (InvalidRequestException e) {
            throw reject(hb.agentId(), HeartbeatRejection.INVALID, now, e);
        }
    }

    private void authenticate(Agent agent, String thumbprint, Instant now) {
        if (agent.status() == AgentStatus.REVOKED) {
            throw reject(agent.id(), HeartbeatRejection.AGENT_REVOKED, now, new AgentRevokedException(agent.id()));
        }
        CertificatePin pin = pinFor(agent, thumbprint);
        if (pin == null) {
            throw reject(
                    agent.id(),
                    HeartbeatRejection.CERTIFICATE_MISMATCH,
                    now,
                    new CertificateMismatchException(agent.id(), thumbprint, "not a certificate of this agent"));
        }
        if (!pin.isValidAt(now)) {
            throw reject(
                    agent.id(),
                    HeartbeatRejection.CERTIFICATE_EXPIRED,
                    now,
                    new CertificateMismatchException(agent.id(), thumbprint, "certificate outside its validity"));
        }
    }

    /**
     * The refusal of a certificate the validity check did not accept, as precise as the store allows: an agent
     * that is unknown or revoked is refused as such, otherwise the certificate is.
     */
    private AgentManagerException refuseCertificate(
            String agentId, String thumbprint, CertificateStatus status, Instant now) {
        Agent agent = store.findAgent(agentId).orElse(null);
        if (agent == null) {
            return reject(agentId, HeartbeatRejection.UNKNOWN_AGENT, now, new AgentNotFoundException(agentId));
        }
        authenticate(agent, thumbprint, now);
        HeartbeatRejection reason = status == CertificateStatus.EXPIRED || status == CertificateStatus.NOT_YET_VALID
                ? HeartbeatRejection.CERTIFICATE_EXPIRED
                : HeartbeatRejection.CERTIFICATE_MISMATCH;
        return reject(
                agentId,
                reason,
                now,
                new CertificateMismatchException(
                        agentId, thumbprint, "certificate " + status.name().toLowerCase(Locale.ROOT)));
    }

    /**
     * Refuses a heartbeat that declares a capability outside the agent's allowed set (the scope of the token it
     * registered with), so that an agent cannot claim later what its token did not grant.
     */
    private void requireAllowedCapabilities(Agent agent, Heartbeat hb, Instant now) {
        Set<Capability> declared = hb.capabilities();
        if (declared == null || agent.allowedCapabilities().isEmpty()) {
            return;
        }
        for (Capability c : declared) {
            if (!agent.allowsCapability(c.name())) {
                LOG.log(
                        Level.WARNING,
                        () -> "heartbeat declares a capability outside the agent's scope: agent=" + agent.id()
                                + " capability=" + c.name() + " allowed=" + agent.allowedCapabilities());
                throw reject(
                        agent.id(),
                        HeartbeatRejection.CAPABILITY_NOT_ALLOWED,
                        now,
                        new CapabilityNotAllowedException(agent.id(), c.name(), agent.allowedCapabilities()));
            }
        }
    }

    static @Nullable CertificatePin pinFor(Agent agent, String thumbprint) {
        if (agent.certificate().thumbprint().equals(thumbprint)) {
            return agent.certificate();
        }
        CertificatePin next = agent.nextCertificate();
        return next != null && next.thumbprint().equals(thumbprint) ? next : null;
    }

    /** The durable state this heartbeat asks for; the same instance when it changes nothing durable. */
    private static Agent desiredState(Agent agent, Heartbeat hb, String thumbprint, Instant now) {
        Agent d = agent;
        CertificatePin next = agent.nextCertificate();
        if (next != null && next.thumbprint().equals(thumbprint)) {
            d = d.withCertificates(next, null); // the agent uses its renewed certificate: the old one stops
        }
        if (agent.status() == AgentStatus.PENDING
                || (agent.status() == AgentStatus.INACTIVE
                        && Objects.requireNonNull(agent.inactiveReason()).heartbeatReactivates())) {
            d = d.withStatus(AgentStatus.ACTIVE, null, now);
        }
        if (hb.capabilities() != null && !hb.capabilities().equals(agent.capabilities())) {
            d = d.withCapabilities(hb.capabilities());
        }
        boolean healthChanged = hb.health() != null && hb.health() != agent.health();
        boolean versionChanged = hb.agentVersion() != null && !hb.agentVersion().equals(agent.agentVersion());
        if (healthChanged || versionChanged) {
            d = d.withReport(
                    healthChanged ? requireNonNull(hb.health()) : agent.health(),
                    versionChanged ? hb.agentVersion() : agent.agentVersion());
        }
        return d;
    }

    private Agent applyDurableChanges(Agent agent, Heartbeat hb, String thumbprint, Instant now) {
        Agent current = agent;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Agent desired = desiredState(current, hb, thumbprint, now);
            if (desired == current) {
                return current; // someone else already applied it
            }
            Optional<Agent> stored = store.updateAgent(desired, current.version());
            if (stored.isPresent()) {
                if (!current.certificate()
                        .serial()
                        .equals(stored.get().certificate().serial())) {
                    issued.retire(current.certificate().serial(), now); // the agent uses its renewed one
                }
                publishChanges(current, stored.get(), now);
                return stored.get();
            }
            current = store.findAgent(agent.id()).orElse(null);
            if (current == null) {
                throw reject(agent.id(), HeartbeatRejection.UNKNOWN_AGENT, now, new AgentNotFoundException(agent.id()));
            }
            if (current.status() == AgentStatus.REVOKED) { // a revoke raced this heartbeat: the revoke wins
                throw reject(agent.id(), HeartbeatRejection.AGENT_REVOKED, now, new AgentRevokedException(agent.id()));
            }
            if (pinFor(current, thumbprint) == null) {
                throw reject(
                        agent.id(),
                        HeartbeatRejection.CERTIFICATE_MISMATCH,
                        now,
                        new CertificateMismatchException(agent.id(), thumbprint, "certificate replaced meanwhile"));
            }
            requireAllowedCapabilities(current, hb, now);
        }
        throw new ConcurrentAgentModificationException(agent.id());
    }

    private void publishChanges(Agent before, Agent after, Instant now) {
        if (before.status() != after.status() && after.status() == AgentStatus.ACTIVE) {
            events.publish(new AgentEvent.AgentActivated(now, after.id(), before.status()));
        }
        if (!before.capabilities().equals(after.capabilities())) {
            events.publish(
                    new AgentEvent.CapabilitiesChanged(now, after.id(), before.capabilities(), after.capabilities()));
        }
        if (before.health() != after.health()) {
            events.publish(new AgentEvent.HealthChanged(now, after.id(), before.health(), after.health()));
        }
        if (!Objects.equals(before.agentVersion(), after.agentVersion()) && after.agentVersion() != null) {
            events.publish(
                    new AgentEvent.AgentVersionChanged(now, after.id(), before.agentVersion(), after.agentVersion()));
        }
    }

    private Duration nextInterval() {
        Duration[] d = jitteredIntervals;
        return d.length == 1 ? d[0] : d[ThreadLocalRandom.current().nextInt(d.length)];
    }

    /** Made once, so that a heartbeat allocates no Duration: 256 steps spread agents as well as a continuum. */
    private static Duration[] jitteredIntervals(HeartbeatSettings settings) {
        double jitter = settings.jitter();
        if (jitter == 0) {
            return new Duration[] {settings.interval()};
        }
        long millis = settings.interval().toMillis();
        Duration[] d = new Duration[256];
        for (int k = 0; k < d.length; k++) {
            double factor = 1 + jitter * (2 * (k + 0.5) / d.length - 1);
            d[k] = Duration.ofMillis(Math.max(1, Math.round(millis * factor)));
        }
        return d;
    }

    /** Renew once the policy's share of the lifetime has passed, moved by a stable per-certificate offset. */
    boolean shouldRenew(Agent agent, Instant now) {
        if (agent.nextCertificate() != null || agent.status() == AgentStatus.REVOKED) {
            return false;
        }
        CertificatePin pin = agent.certificate();
        long start = pin.notBefore().toEpochMilli();
        long lifetime = pin.notAfter().toEpochMilli() - start;
        return now.toEpochMilli() >= start + (long) (lifetime * renewal.shareFor(pin.thumbprint()));
    }

    private AgentManagerException reject(
            String agentId, HeartbeatRejection reason, Instant now, AgentManagerException e) {
        LOG.log(Level.DEBUG, () -> "heartbeat rejected: agent=" + agentId + " reason=" + reason);
        events.publish(new AgentEvent.HeartbeatRejected(now, agentId, reason));
        return e;
    }
}
