package dev.agentmanager;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.event.AgentEventListener;
import dev.agentmanager.spi.IAgentCertificateService;
import dev.agentmanager.spi.IAgentStore;
import dev.agentmanager.spi.TaskStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Builder for {@link AgentManager}. Every setting may be set once; {@code null} is refused at once.
 * {@link #store} and {@link #certificateService} are required; everything else has a default.
 */
public final class AgentManagerBuilder {
    private @Nullable IAgentStore store;
    private @Nullable IAgentCertificateService certificateService;
    private Clock clock = Clock.systemUTC();
    private HeartbeatSettings heartbeat = HeartbeatSettings.defaults();
    private TokenSettings tokens = TokenSettings.defaults();
    private AgentLimits limits = AgentLimits.defaults();
    private SelfPreservation selfPreservation = SelfPreservation.defaults();
    private RenewalPolicy renewal = RenewalPolicy.defaults();
    private RevocationSettings revocation = RevocationSettings.defaults();
    private Duration sweepInterval = HeartbeatTimeoutMonitor.DEFAULT_SWEEP_INTERVAL;
    private int sweepBatchSize = HeartbeatTimeoutMonitor.DEFAULT_SWEEP_BATCH_SIZE;
    private SecureRandom random = new SecureRandom();
    private @Nullable TaskStore taskStore;
    private TaskSettings taskSettings = TaskSettings.defaults();
    private final List<AgentEventListener> listeners = new ArrayList<>();
    private final Set<String> set = new HashSet<>();

    AgentManagerBuilder() {}

    private void once(String setting) {
        if (!set.add(setting)) {
            throw new IllegalStateException(setting + " was already set");
        }
    }

    /** Where agents, tokens and certificate records live. Required. */
    public AgentManagerBuilder store(IAgentStore store) {
        once("store");
        this.store = requireNonNull(store, "store");
        return this;
    }

    /**
     * Where tasks live; without it {@link AgentManager#tasks()} is unavailable. Usually the same store's task
     * role, e.g. {@code jdbcStore.taskStore()}.
     */
    public AgentManagerBuilder taskStore(TaskStore taskStore) {
        once("taskStore");
        this.taskStore = requireNonNull(taskStore, "taskStore");
        return this;
    }

    /** Task timeouts, capacity and limits. Default {@link TaskSettings#defaults()}. */
    public AgentManagerBuilder tasks(TaskSettings tasks) {
        once("tasks");
        this.taskSettings = requireNonNull(tasks, "tasks");
        return this;
    }

    /** The certificate authority. Required. */
    public AgentManagerBuilder certificateService(IAgentCertificateService certificateService) {
        once("certificateService");
        this.certificateService = requireNonNull(certificateService, "certificateService");
        return this;
    }

    /** The only source of time. Default {@link Clock#systemUTC()}. */
    public AgentManagerBuilder clock(Clock clock) {
        once("clock");
        this.clock = requireNonNull(clock, "clock");
        return this;
    }

    /** Heartbeat interval, timeout and jitter. Default {@link HeartbeatSettings#defaults()}. */
    public AgentManagerBuilder heartbeat(HeartbeatSettings heartbeat) {
        once("heartbeat");
        this.heartbeat = requireNonNull(heartbeat, "heartbeat");
        return this;
    }

    /** Shorthand for {@code heartbeat(HeartbeatSettings.of(interval, timeout))}. */
    public AgentManagerBuilder heartbeat(Duration interval, Duration timeout) {
        return heartbeat(HeartbeatSettings.of(interval, timeout));
    }

    /** Token lifetimes, lock-out, retry grace and pruning. Default {@link TokenSettings#defaults()}. */
    public AgentManagerBuilder tokens(TokenSettings tokens) {
        once("tokens");
        this.tokens = requireNonNull(tokens, "tokens");
        return this;
    }

    /** Input limits. Default {@link AgentLimits#defaults()}. */
    public AgentManagerBuilder limits(AgentLimits limits) {
        once("limits");
        this.limits = requireNonNull(limits, "limits");
        return this;
    }

    /** Mass-expiry protection. Default {@link SelfPreservation#defaults()}. */
    public AgentManagerBuilder selfPreservation(SelfPreservation selfPreservation) {
        once("selfPreservation");
        this.selfPreservation = requireNonNull(selfPreservation, "selfPreservation");
        return this;
    }

    /** When agents are told to renew. Default {@link RenewalPolicy#defaults()}. */
    public AgentManagerBuilder renewal(RenewalPolicy renewal) {
        once("renewal");
        this.renewal = requireNonNull(renewal, "renewal");
        return this;
    }

    /** How revocations propagate and CRLs are made. Default {@link RevocationSettings#defaults()}. */
    public AgentManagerBuilder revocation(RevocationSettings revocation) {
        once("revocation");
        this.revocation = requireNonNull(revocation, "revocation");
        return this;
    }

    /**
     * The bound within which a revocation made on any replica takes effect on every replica, and how long
     * {@code revoke} waits on a shared store. Default 2 s. Shorthand for {@link #revocation} with
     * {@link RevocationSettings#withPropagation}.
     */
    public AgentManagerBuilder revocationPropagation(Duration propagation) {
        once("revocation");
        this.revocation = RevocationSettings.defaults().withPropagation(propagation);
        return this;
    }

    /** Time between timeout sweeps once started. Default 1 s. */
    public AgentManagerBuilder sweepInterval(Duration sweepInterval) {
        once("sweepInterval");
        this.sweepInterval = Settings.requirePositive(requireNonNull(sweepInterval, "sweepInterval"), "sweepInterval");
        return this;
    }

    /** Most overdue agents one sweep examines. Default 10,000. */
    public AgentManagerBuilder sweepBatchSize(int sweepBatchSize) {
        once("sweepBatchSize");
        this.sweepBatchSize = Settings.requirePositive(sweepBatchSize, "sweepBatchSize");
        return this;
    }

    /** Randomness for token ids and secrets. Default a new {@link SecureRandom}. */
    public AgentManagerBuilder secureRandom(SecureRandom random) {
        once("secureRandom");
        this.random = requireNonNull(random, "random");
        return this;
    }

    /** Adds an event listener; may be called several times. */
    public AgentManagerBuilder listener(AgentEventListener listener) {
        listeners.add(requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * @throws IllegalStateException if the store or the certificate service is missing, or the sweep
     *     interval is not shorter than the heartbeat timeout
     */
    public AgentManager build() {
        if (store == null) {
            throw new IllegalStateException("store is required");
        }
        if (certificateService == null) {
            throw new IllegalStateException("certificateService is required");
        }
        if (sweepInterval.compareTo(heartbeat.timeout()) >= 0) {
            throw new IllegalStateException("sweepInterval (" + sweepInterval
                    + ") must be shorter than the heartbeat timeout (" + heartbeat.timeout() + ")");
        }
        return new AgentManager(
                store,
                certificateService,
                clock,
                heartbeat,
                tokens,
                limits,
                selfPreservation,
                renewal,
                revocation,
                sweepInterval,
                sweepBatchSize,
                random,
                List.copyOf(listeners),
                taskStore,
                taskSettings);
    }
}
