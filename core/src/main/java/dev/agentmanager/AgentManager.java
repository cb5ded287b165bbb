package dev.agentmanager;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.event.AgentEventListener;
import dev.agentmanager.exception.AgentManagerException;
import dev.agentmanager.exception.AgentNotFoundException;
import dev.agentmanager.exception.AgentRevokedException;
import dev.agentmanager.exception.CertificateMismatchException;
import dev.agentmanager.exception.ConcurrentAgentModificationException;
import dev.agentmanager.internal.EventDispatcher;
import dev.agentmanager.internal.RequestValidator;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.CertificatePin;
import dev.agentmanager.model.CertificateRequest;
import dev.agentmanager.model.CertificateStatus;
import dev.agentmanager.model.CreatedRegistrationToken;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.model.TrustBundle;
import dev.agentmanager.spi.IAgentCertificateService;
import dev.agentmanager.spi.IAgentStore;
import dev.agentmanager.spi.TaskStore;
import dev.agentmanager.task.AgentTasks;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The agent manager: registration tokens, registration, lifecycle and queries, plus the
 * {@link #heartbeatProcessor() heartbeat processor} and {@link #timeoutMonitor() timeout monitor} that
 * share its store, clock and listeners.
 *
 * <pre>{@code
 * AgentManager manager = AgentManager.builder()
 *         .store(new InMemoryAgentStore())
 *         .certificateService(certificateAuthority)
 *         .listener(event -> log.info("{}", event))
 *         .build();
 * manager.start();                                   // timeout monitor on its own thread
 * CreatedRegistrationToken token = manager.createToken(RegistrationTokenRequest.oneTime("web-01"));
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops the monitor; the store and certificate service belong to the
 * host.
 */
public final class AgentManager implements IAgentManager, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AgentManager.class.getName());
    private static final int MAX_ATTEMPTS = 16;

    private final IAgentStore store;
    private final IAgentCertificateService certificates;
    private final Clock clock;
    private final HeartbeatSettings heartbeat;
    private final RequestValidator validator;
    private final EventDispatcher events;
    private final RegistrationTokenService tokens;
    private final IssuedCertificates issued;
    private final AgentRegistrar registrar;
    private final HeartbeatProcessor heartbeatProcessor;
    private final HeartbeatTimeoutMonitor timeoutMonitor;
    private final CertificateValidityCache validity;
    private final RevocationLists revocationLists;
    private final Duration revocationPropagation;
    private final @Nullable TaskService tasks;
    private final Observers observers = new Observers();
    private @Nullable ScheduledExecutorService feedReader;

    AgentManager(
            IAgentStore store,
            IAgentCertificateService certificates,
            Clock clock,
            HeartbeatSettings heartbeat,
            TokenSettings tokenSettings,
            AgentLimits limits,
            SelfPreservation selfPreservation,
            RenewalPolicy renewal,
            RevocationSettings revocation,
            Duration sweepInterval,
            int sweepBatchSize,
            SecureRandom random,
            List<AgentEventListener> listeners,
            @Nullable TaskStore taskStore,
            TaskSettings taskSettings) {
        this.store = store;
        this.certificates = certificates;
        this.clock = clock;
        this.heartbeat = heartbeat;
        this.validator = new RequestValidator(limits);
        // The task sweeper hears the agent events after the host's listeners: a revocation before the tasks it ends.
        TaskSweeper[] sweeper = new TaskSweeper[1];
        List<AgentEventListener> all = new ArrayList<>(listeners);
        all.add(observers);
        if (taskStore != null) {
            all.add(event -> requireNonNull(sweeper[0]).onEvent(event));
        }
        this.events = new EventDispatcher(all);
        this.tokens = new RegistrationTokenService(
                store,
                clock,
                tokenSettings,
                validator,
                events,
                random,
                () -> certificates.trustBundle().rootSha256());
        this.revocationPropagation = revocation.propagation();
        this.validity =
                new CertificateValidityCache(store, clock, validator, revocation.propagation(), revocation.cacheSize());
        this.issued = new IssuedCertificates(store, certificates, validity);
        this.revocationLists =
                new RevocationLists(store, certificates, clock, revocation.crlValidity(), revocation.crlClockSkew());
        this.registrar = new AgentRegistrar(store, certificates, issued, tokens, clock, heartbeat, validator, events);
        this.heartbeatProcessor = new HeartbeatProcessor(
                store, issued, validity, clock, heartbeat, renewal, validator, events, observers);
        this.timeoutMonitor = new HeartbeatTimeoutMonitor(
                store, clock, heartbeat, selfPreservation, tokens, events, sweepInterval, sweepBatchSize);
        if (taskStore == null) {
            this.tasks = null;
        } else {
            TaskService service =
                    new TaskService(taskStore, store, validity, clock, taskSettings, validator, events, random);
            sweeper[0] = new TaskSweeper(service, clock, sweepBatchSize);
            timeoutMonitor.taskSweeper(sweeper[0]);
            heartbeatProcessor.taskHints(service.hints());
            this.tasks = service;
        }
    }

    /**
     * Tasks: submit work, let agents claim and report it.
     *
     * @throws IllegalStateException if the manager was built without a {@link AgentManagerBuilder#taskStore task
     *     store}
     */
    public AgentTasks tasks() {
        if (tasks == null) {
            throw new IllegalStateException("tasks need a task store: AgentManager.builder().taskStore(...)");
        }
        return tasks;
    }

    /** Starts configuring a manager. {@code store} and {@code certificateService} are required. */
    public static AgentManagerBuilder builder() {
        return new AgentManagerBuilder();
    }

    /** The heartbeat processor bound to this manager. */
    public HeartbeatProcessor heartbeatProcessor() {
        return heartbeatProcessor;
    }

    /** The timeout monitor bound to this manager (not started until {@link #start()}). */
    public HeartbeatTimeoutMonitor timeoutMonitor() {
        return timeoutMonitor;
    }

    /** The heartbeat settings agents are told about. */
    public HeartbeatSettings heartbeatSettings() {
        return heartbeat;
    }

    /**
     * Starts the timeout monitor on its own daemon thread, and another that keeps the certificate validity
     * cache fresh (it reads the store's revocation feed every quarter propagation bound; without it a check reads
     * the feed itself once the bound has passed).
     */
    public synchronized void start() {
        timeoutMonitor.start();
        if (feedReader == null) {
            ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "agentmanager-revocation-feed");
                t.setDaemon(true);
                return t;
            });
            long period = Math.max(1, revocationPropagation.toNanos() / 4);
            executor.scheduleWithFixedDelay(validity::refresh, 0, period, TimeUnit.NANOSECONDS);
            TaskService service = tasks;
            if (service != null) { // other replicas' submissions reach this replica's long-polls
                // checked four times per interval: a refresh the heartbeats made in between must not make the
                // next one a whole interval late
                long hints = Math.max(1, service.settings().hintRefresh().toNanos() / 4);
                executor.scheduleWithFixedDelay(
                        () -> {
                            if (service.hints().hasWaiters()) {
                                service.hints().refreshIfDue();
                            }
                        },
                        hints,
                        hints,
                        TimeUnit.NANOSECONDS);
            }
            feedReader = executor;
        }
    }

    /** Stops the timeout monitor and the revocation feed reader. Idempotent. */
    @Override
    public synchronized void close() {
        timeoutMonitor.close();
        if (feedReader != null) {
            feedReader.shutdownNow();
            feedReader = null;
        }
    }

    // ---- registration tokens ----------------------------------------------------------------------

    @Override
    public CreatedRegistrationToken createToken(RegistrationTokenRequest request) {
        return tokens.create(request);
    }

    @Override
    public List<RegistrationToken> listTokens(@Nullable String afterId, int limit) {
        return tokens.list(afterId, limit);
    }

    @Override
    public Optional<RegistrationToken> findToken(String tokenId) {
        return tokens.find(tokenId);
    }

    @Override
    public boolean revokeToken(String tokenId) {
        return tokens.revoke(tokenId);
    }

    @Override
    public int pruneTokens() {
        return tokens.prune(clock.instant());
    }

    // ---- registration -----------------------------------------------------------------------------

    @Override
    public Registration register(RegistrationRequest request) {
        if (observers.isEmpty()) {
            return registrar.register(request);
        }
        long start = System.nanoTime();
        boolean registered = false;
        try {
            Registration registration = registrar.register(request);
            registered = true;
            return registration;
        } finally {
            observers.registrationProcessed(System.nanoTime() - start, registered);
        }
    }

    /**
     * Attaches an observer (e.g. a metrics binder) to this running manager: it hears every event published from now
     * on and the timing of every heartbeat and registration.
     *
     * @return closing it detaches the observer
     */
    public AutoCloseable observe(ManagerObserver observer) {
        return observers.add(requireNonNull(observer, "observer"));
    }

    /** The clock this manager judges time by (the one given to its builder). */
    public Clock clock() {
        return clock;
    }

    /** How many agents have this status (a gauge's question; one store count). */
    public long countAgents(AgentStatus status) {
        return store.countAgents(requireNonNull(status, "status"));
    }

    @Override
    public AgentCertificate renewCertificate(String agentId, String presentedThumbprint, byte[] csrBytes) {
        validator.id("agentId", requireNonNull(agentId, "agentId"));
        String thumbprint = validator.thumbprint(requireNonNull(presentedThumbprint, "presentedThumbprint"));
        CertificateRequest csr = certificates.decodeRequest(requireNonNull(csrBytes, "csr"));
        Instant now = clock.instant();
        Agent agent = requireRenewable(
                store.findAgent(agentId).orElseThrow(() -> new AgentNotFoundException(agentId)), thumbprint, now);
        CertificateStatus status = validity.check(thumbprint);
        if (!status.isCurrent()) {
            throw new CertificateMismatchException(
                    agentId, thumbprint, "certificate " + status.name().toLowerCase(Locale.ROOT));
        }
        AgentCertificate issued = this.issued.issue(agentId, csr);
        store.insertCertificate(issued); // on failure nothing refers to it: never valid
        CertificatePin newPin = issued.pin();
        List<String> superseded = new ArrayList<>(1);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            CertificatePin presented = HeartbeatProcessor.pinFor(agent, thumbprint);
            CertificatePin oldNext = agent.nextCertificate();
            // Renewing with the current certificate keeps it working until the new one is used; renewing with
            // a pending next certificate makes that one current.
            Agent updated = agent.withCertificates(requireNonNull(presented), newPin);
            Optional<Agent> stored = store.updateAgent(updated, agent.version());
            if (stored.isPresent()) {
                if (oldNext != null
                        && !oldNext.serial().equals(requireNonNull(presented).serial())) {
                    superseded.add(oldNext.serial()); // issued, never used, now replaced
                }
                if (presented != agent.certificate()) {
                    superseded.add(agent.certificate().serial());
                }
                for (String serial : superseded) {
                    this.issued.retire(serial, now);
                }
                LOG.log(Level.INFO, () -> "certificate renewed: agent=" + agentId + " serial=" + issued.serial());
                events.publish(
                        new AgentEvent.CertificateIssued(now, agentId, issued.serial(), issued.notAfter(), true));
                return issued;
            }
            Agent fresh = store.findAgent(agentId).orElse(null);
            if (fresh == null) {
                this.issued.retire(issued.serial(), now);
                throw new AgentNotFoundException(agentId);
            }
            try {
                agent = requireRenewable(fresh, thumbprint, now);
            } catch (AgentManagerException e) {
                this.issued.retire(issued.serial(), now);
                throw e;
            }
        }
        this.issued.retire(issued.serial(), now);
        throw new ConcurrentAgentModificationException(agentId);
    }

    /** The agent, if it may act with this certificate now: not revoked, the certificate pinned and in its validity. */
    static Agent requireRenewable(Agent agent, String thumbprint, Instant now) {
        if (agent.status() == AgentStatus.REVOKED) {
            throw new AgentRevokedException(agent.id());
        }
        CertificatePin pin = HeartbeatProcessor.pinFor(agent, thumbprint);
        if (pin == null) {
            throw new CertificateMismatchException(agent.id(), thumbprint, "not a certificate of this agent");
        }
        if (!pin.isValidAt(now)) {
            throw new CertificateMismatchException(agent.id(), thumbprint, "certificate outside its validity");
        }
        return agent;
    }

    @Override
    public TrustBundle trustBundle() {
        return certificates.trustBundle();
    }

    @Override
    public CertificateValidity certificateValidity() {
        return validity;
    }

    @Override
    public byte[] currentCrl() {
        return revocationLists.current();
    }

    // ---- lifecycle --------------------------------------------------------------------------------

    @Override
    public Agent deactivate(String agentId) {
        return transition(agentId, agent -> {
            if (agent.status() == AgentStatus.INACTIVE && agent.inactiveReason() == InactiveReason.OPERATOR) {
                return agent;
            }
            return agent.withStatus(AgentStatus.INACTIVE, InactiveReason.OPERATOR, clock.instant());
        });
    }

    @Override
    public Agent reactivate(String agentId) {
        return transition(agentId, agent -> {
            if (agent.status() != AgentStatus.INACTIVE || agent.inactiveReason() != InactiveReason.OPERATOR) {
                return agent;
            }
            Instant now = clock.instant();
            boolean live = !agent.liveness().isOverdueAt(now);
            if (agent.liveness().lastHeartbeatAt() == null) {
                return live
                        ? agent.withStatus(AgentStatus.PENDING, null, now)
                        : agent.withStatus(AgentStatus.INACTIVE, InactiveReason.NEVER_CHECKED_IN, now);
            }
            return live
                    ? agent.withStatus(AgentStatus.ACTIVE, null, now)
                    : agent.withStatus(AgentStatus.INACTIVE, InactiveReason.MISSED_HEARTBEATS, now);
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>The certificates are marked revoked first and the status written after, both in the store, so that an
     * interruption leaves an agent that can no longer authenticate rather than a revoked agent whose
     * certificates still work; calling again completes it. This replica's validity cache reads the revocation
     * feed before returning; on a {@linkplain IAgentStore#isShared() shared} store the call then waits out the
     * {@linkplain AgentManagerBuilder#revocationPropagation propagation bound} (2 s by default), after which no
     * replica accepts a heartbeat, renewal or handshake of the agent.
     */
    @Override
    public Agent revoke(String agentId) {
        validator.id("agentId", requireNonNull(agentId, "agentId"));
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Agent agent = store.findAgent(agentId).orElseThrow(() -> new AgentNotFoundException(agentId));
            Instant now = clock.instant();
            List<String> serials = new ArrayList<>(store.revokeCertificates(agentId, now));
            Agent revoked = agent;
            if (agent.status() != AgentStatus.REVOKED) {
                Optional<Agent> stored =
                        store.updateAgent(agent.withStatus(AgentStatus.REVOKED, null, now), agent.version());
                if (stored.isEmpty()) {
                    continue;
                }
                revoked = stored.get();
            }
            // A renewal that recorded a certificate between the two writes: its update fails on the version,
            // but the certificate is marked here too.
            serials.addAll(store.revokeCertificates(agentId, now));
            awaitPropagation();
            if (agent.status() != AgentStatus.REVOKED) {
                LOG.log(Level.INFO, () -> "agent revoked: id=" + agentId + " certificates=" + serials);
                events.publish(new AgentEvent.AgentRevoked(now, agentId, List.copyOf(serials)));
            }
            return revoked;
        }
        throw new ConcurrentAgentModificationException(agentId);
    }

    /** Makes a revocation this replica just stored binding everywhere before the caller hears of it. */
    private void awaitPropagation() {
        validity.readFeed();
        if (store.isShared()) {
            try {
                Thread.sleep(revocationPropagation.toMillis(), revocationPropagation.toNanosPart() % 1_000_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the revocation propagates; it is stored", e);
            }
        }
    }

    /** Applies a status change with optimistic retries and publishes the matching event. */
    private Agent transition(String agentId, UnaryOperator<Agent> change) {
        validator.id("agentId", requireNonNull(agentId, "agentId"));
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Agent agent = store.findAgent(agentId).orElseThrow(() -> new AgentNotFoundException(agentId));
            if (agent.status() == AgentStatus.REVOKED) {
                throw new AgentRevokedException(agentId);
            }
            Agent desired = change.apply(agent);
            if (desired == agent) {
                return agent;
            }
            Optional<Agent> stored = store.updateAgent(desired, agent.version());
            if (stored.isPresent()) {
                Agent after = stored.get();
                LOG.log(
                        Level.INFO,
                        () -> "agent " + agentId + ": " + agent.status() + " -> " + after.status()
                                + (after.inactiveReason() == null ? "" : " (" + after.inactiveReason() + ")"));
                if (after.status() == AgentStatus.ACTIVE) {
                    events.publish(new AgentEvent.AgentActivated(after.statusChangedAt(), agentId, agent.status()));
                } else if (after.status() == AgentStatus.INACTIVE) {
                    events.publish(new AgentEvent.AgentInactivated(
                            after.statusChangedAt(), agentId, requireNonNull(after.inactiveReason())));
                }
                return after;
            }
        }
        throw new ConcurrentAgentModificationException(agentId);
    }

    // ---- queries ----------------------------------------------------------------------------------

    @Override
    public Optional<Agent> findAgent(String agentId) {
        return store.findAgent(validator.id("agentId", requireNonNull(agentId, "agentId")));
    }

    @Override
    public Optional<Agent> findAgentByThumbprint(String thumbprint) {
        return store.findAgentByThumbprint(validator.thumbprint(requireNonNull(thumbprint, "thumbprint")));
    }

    @Override
    public List<Agent> findAgents(AgentQuery query) {
        requireNonNull(query, "query");
        if (query.afterId() != null) {
            validator.id("afterId", query.afterId());
        }
        return store.findAgents(query);
    }

    @Override
    public List<AgentCertificate> certificates(String agentId) {
        return store.findCertificates(validator.id("agentId", requireNonNull(agentId, "agentId")));
    }
}
