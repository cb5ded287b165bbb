package dev.agentmanager.testkit;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.spi.HeartbeatWrite;
import dev.agentmanager.spi.IAgentStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What every role contract shares: one fresh store per test from a {@link StoreFactory}, a {@link MutableClock}
 * at {@link #T0}, and helpers to register agents and race real threads.
 *
 * <p>Time is passed to the store explicitly (the SPI takes {@code now} arguments); {@link #clock} stands at
 * {@link #T0} for a store that wants a clock of its own. Every instant and duration the suite writes has
 * millisecond precision, so stores backed by databases with millisecond timestamps round-trip them exactly.
 * Ids are lower-case ASCII of one length per kind, so they sort the same under any database collation. The
 * concurrency tests race real threads behind a start gate; they prove atomicity, not speed.
 */
public abstract class StoreContract {

    /** Where {@link #clock} starts, and the base of every instant in the suite. */
    protected static final Instant T0 = MutableClock.DEFAULT_START;
    /** Threads in the registration races. */
    protected static final int RACE_THREADS = 32;

    /** A clock the store may use; tests here pass explicit instants to the store instead. */
    protected final MutableClock clock = MutableClock.at(T0);
    /** The store under test, fresh for every test. */
    protected IAgentStore store;

    private final StoreFactory factory;

    protected StoreContract(StoreFactory factory) {
        this.factory = requireNonNull(factory, "factory");
    }

    @BeforeEach
    final void setUpStore() {
        store = requireNonNull(factory.create(clock), "the store factory returned null");
    }

    @AfterEach
    final void tearDownStore() {
        factory.dispose(store);
    }

    /** {@code T0} plus some seconds. */
    protected static Instant at(long seconds) {
        return T0.plusSeconds(seconds);
    }

    /** A registered agent's stored state. */
    protected Agent stored(String agentId) {
        return store.findAgent(agentId).orElseThrow(() -> new AssertionError("no agent " + agentId));
    }

    /** Registers {@code a} with a fresh one-time token named after the agent; asserts it worked. */
    protected Agent register(TestAgents.NewAgent a) {
        String tokenId = "tok-" + a.agent().id();
        store.insertToken(TestAgents.oneTimeToken(tokenId, a.agent().registeredAt()));
        Instant now = a.agent().registeredAt();
        boolean registered = store.registerAgent(
                tokenId, TestAgents.redemption(a.agent().id(), now), now, a.agent(), a.certificate());
        assertThat(registered).as("registerAgent of " + a.agent().id()).isTrue();
        return stored(a.agent().id());
    }

    /** Registers a new PENDING agent at {@code T0} with the suite's defaults. */
    protected Agent register(String agentId) {
        return register(TestAgents.newAgent(agentId, T0));
    }

    /** Registers an agent at {@code T0} with the given deadline and brings it to {@code status}. */
    protected Agent registerWithDeadline(String agentId, Instant deadline, AgentStatus status) {
        AgentCertificate cert = TestAgents.certificate(agentId, T0);
        Agent agent = TestAgents.agent(agentId, T0)
                .certificate(cert.pin())
                .deadline(deadline)
                .build();
        Agent registered = register(new TestAgents.NewAgent(agent, cert));
        return status == AgentStatus.PENDING ? registered : changeStatus(registered, status);
    }

    /** Moves an agent to {@code status} through {@code updateAgent}; INACTIVE uses MISSED_HEARTBEATS. */
    protected Agent changeStatus(Agent agent, AgentStatus status) {
        InactiveReason reason = status == AgentStatus.INACTIVE ? InactiveReason.MISSED_HEARTBEATS : null;
        return store.updateAgent(agent.withStatus(status, reason, T0), agent.version())
                .orElseThrow(() -> new AssertionError("updateAgent failed for " + agent.id()));
    }

    /** A copy of {@code agent} with other labels. */
    protected static Agent withLabels(Agent a, Map<String, String> labels) {
        return new Agent(
                a.id(),
                a.name(),
                a.status(),
                a.inactiveReason(),
                a.capabilities(),
                a.allowedCapabilities(),
                labels,
                a.agentVersion(),
                a.health(),
                a.certificate(),
                a.nextCertificate(),
                a.registeredAt(),
                a.statusChangedAt(),
                a.registrationTokenId(),
                a.version(),
                a.liveness());
    }

    /** Ids of agents, in the order given. */
    protected static List<String> ids(List<Agent> agents) {
        return agents.stream().map(Agent::id).collect(Collectors.toList());
    }

    /**
     * Runs {@code threads} tasks on as many real threads, released together by a start gate, and returns
     * their results in task order. A task's exception fails the test.
     */
    protected static <T> List<T> race(int threads, IntFunction<Callable<T>> task) {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch ready = new CountDownLatch(threads);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Callable<T> body = task.apply(i);
                futures.add(pool.submit(() -> {
                    ready.countDown();
                    start.await();
                    return body.call();
                }));
            }
            if (!ready.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("threads did not start");
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(60, TimeUnit.SECONDS));
            }
            return results;
        } catch (Exception e) {
            throw new AssertionError("race failed: " + e, e);
        } finally {
            pool.shutdownNow();
        }
    }

    protected static boolean accepted(HeartbeatWrite w) {
        return w == HeartbeatWrite.ACCEPTED || w == HeartbeatWrite.ACCEPTED_NEW_EPOCH;
    }
}
