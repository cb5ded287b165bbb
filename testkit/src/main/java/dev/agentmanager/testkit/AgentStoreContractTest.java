package dev.agentmanager.testkit;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentHealth;
import dev.agentmanager.model.AgentLiveness;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Capability;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.TokenRedemption;
import dev.agentmanager.spi.HeartbeatWrite;
import dev.agentmanager.spi.IAgentStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract every {@link IAgentStore} must pass. Extend it, return a fresh, empty store from
 * {@link #createStore(Clock)}, and run it with your other tests:
 *
 * <pre>{@code
 * class MongoAgentStoreTest extends AgentStoreContractTest {
 *     @Override
 *     protected IAgentStore createStore(Clock clock) {
 *         return new MongoAgentStore(freshDatabase(), clock);
 *     }
 * }
 * }</pre>
 *
 * <p>Each test gets a new store. Time is passed to the store explicitly (the SPI takes {@code now}
 * arguments); {@link #clock} is a {@link MutableClock} standing at {@link #T0} that a store may use for its
 * own bookkeeping. Every instant and duration the suite writes has millisecond precision, so stores backed
 * by databases with millisecond timestamps round-trip them exactly. Ids are lower-case ASCII of one length
 * per kind, so they sort the same under any database collation.
 *
 * <p>The concurrency tests race real threads (at least 32 for token consumption) behind a start gate; they
 * prove atomicity, not speed, and make no timing assertions.
 *
 * <p>Override {@link #disposeStore(IAgentStore)} to release what {@code createStore} opened. Every test
 * times out after two minutes, so that a store that deadlocks fails instead of hanging the build.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class AgentStoreContractTest {

    /** Where {@link #clock} starts, and the base of every instant in the suite. */
    protected static final Instant T0 = MutableClock.DEFAULT_START;
    /** Threads in the registration races. */
    protected static final int RACE_THREADS = 32;

    /** A clock the store may use; tests here pass explicit instants to the store instead. */
    protected final MutableClock clock = MutableClock.at(T0);
    /** The store under test, fresh for every test. */
    protected IAgentStore store;

    /** A new, empty store. Called once before every test. */
    protected abstract IAgentStore createStore(Clock clock);

    /** Releases what {@link #createStore} opened. Called after every test; does nothing by default. */
    protected void disposeStore(IAgentStore store) {}

    @BeforeEach
    final void setUpStore() {
        store = requireNonNull(createStore(clock), "createStore returned null");
    }

    @AfterEach
    final void tearDownStore() {
        disposeStore(store);
    }

    // ---- helpers ---------------------------------------------------------------------------------------

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
        boolean registered = store.registerAgent(tokenId, TestAgents.redemption(a.agent().id(), now), now,
                a.agent(), a.certificate());
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
        Agent agent = TestAgents.agent(agentId, T0).certificate(cert.pin()).deadline(deadline).build();
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
        return new Agent(a.id(), a.name(), a.status(), a.inactiveReason(), a.capabilities(), a.allowedCapabilities(),
                labels, a.agentVersion(), a.health(), a.certificate(), a.nextCertificate(), a.registeredAt(),
                a.statusChangedAt(), a.registrationTokenId(), a.version(), a.liveness());
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

    private static boolean accepted(HeartbeatWrite w) {
        return w == HeartbeatWrite.ACCEPTED || w == HeartbeatWrite.ACCEPTED_NEW_EPOCH;
    }

    // =====================================================================================================

    @Nested
    @DisplayName("registration tokens")
    class Tokens {

        @Test
        void insertedTokenIsFoundAsInserted() {
            RegistrationToken token = TestAgents.token("tok-001", T0)
                    .description("rack 7")
                    .label("env", "prod")
                    .label("rack", "7")
                    .allowCapabilities("docker", "compose")
                    .maxUses(3)
                    .build();
            store.insertToken(token);

            assertThat(store.findToken("tok-001")).contains(token);
        }

        @Test
        void everyFieldRoundTripsIncludingRedemptionsFailedAttemptsAndRevocation() {
            RegistrationToken token = TestAgents.token("tok-001", T0)
                    .maxUses(3)
                    .redemption(new TokenRedemption(at(10), "agent-001", "aa".repeat(32), "198.51.100.7"))
                    .redemption(new TokenRedemption(at(20), "agent-002", "bb".repeat(32), null))
                    .failedAttempts(4)
                    .revokedAt(at(30))
                    .build();
            store.insertToken(token);

            assertThat(store.findToken("tok-001")).contains(token);
        }

        @Test
        void unknownTokenIsEmpty() {
            store.insertToken(TestAgents.oneTimeToken("tok-001", T0));

            assertThat(store.findToken("tok-002")).isEmpty();
        }

        @Test
        void duplicateIdIsRefusedAndTheFirstTokenIsKept() {
            RegistrationToken first = TestAgents.token("tok-001", T0).description("first").build();
            store.insertToken(first);
            RegistrationToken second = TestAgents.token("tok-001", at(5)).description("second").maxUses(9).build();

            assertThatThrownBy(() -> store.insertToken(second)).isInstanceOf(IllegalStateException.class);
            assertThat(store.findToken("tok-001")).contains(first);
            assertThat(store.listTokens(null, 10)).containsExactly(first);
        }

        @Test
        void revokeSetsRevocationTimeOnce() {
            store.insertToken(TestAgents.oneTimeToken("tok-001", T0));

            assertThat(store.revokeToken("tok-001", at(10))).isTrue();
            assertThat(store.findToken("tok-001")).map(RegistrationToken::revokedAt).contains(at(10));

            assertThat(store.revokeToken("tok-001", at(20))).as("second revoke").isFalse();
            assertThat(store.findToken("tok-001")).map(RegistrationToken::revokedAt).contains(at(10));
        }

        @Test
        void revokeOfUnknownTokenIsFalseAndCreatesNothing() {
            assertThat(store.revokeToken("tok-404", at(10))).isFalse();
            assertThat(store.findToken("tok-404")).isEmpty();
            assertThat(store.listTokens(null, 10)).isEmpty();
        }

        @Test
        void revokeOfExhaustedTokenIsFalse() {
            register("agent-001"); // consumes one-time token tok-agent-001

            assertThat(store.revokeToken("tok-agent-001", at(10))).isFalse();
            RegistrationToken token = store.findToken("tok-agent-001").orElseThrow();
            assertThat(token.revokedAt()).isNull();
            assertThat(token.uses()).isEqualTo(1);
        }

        @Test
        void revokeOfPartlyUsedTokenIsTrue() {
            store.insertToken(TestAgents.token("tok-multi", T0).maxUses(3).build());
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            assertThat(store.registerAgent("tok-multi", TestAgents.redemption("agent-001", T0), T0, a.agent(),
                    a.certificate())).isTrue();

            assertThat(store.revokeToken("tok-multi", at(10))).isTrue();
            RegistrationToken token = store.findToken("tok-multi").orElseThrow();
            assertThat(token.revokedAt()).isEqualTo(at(10));
            assertThat(token.uses()).isEqualTo(1);
        }

        @Test
        void revokeOfExpiredUnusedTokenIsTrue() {
            store.insertToken(TestAgents.token("tok-001", T0).expiresAt(at(60)).build());

            assertThat(store.revokeToken("tok-001", at(3600))).isTrue();
            assertThat(store.findToken("tok-001")).map(RegistrationToken::revokedAt).contains(at(3600));
        }

        @Test
        void failedAttemptsCountUp() {
            store.insertToken(TestAgents.oneTimeToken("tok-001", T0));
            store.insertToken(TestAgents.oneTimeToken("tok-002", T0));

            assertThat(store.recordFailedAttempt("tok-001")).isEqualTo(1);
            assertThat(store.recordFailedAttempt("tok-001")).isEqualTo(2);
            assertThat(store.recordFailedAttempt("tok-001")).isEqualTo(3);
            assertThat(store.recordFailedAttempt("tok-002")).isEqualTo(1);

            assertThat(store.findToken("tok-001")).map(RegistrationToken::failedAttempts).contains(3);
            assertThat(store.findToken("tok-002")).map(RegistrationToken::failedAttempts).contains(1);
        }

        @Test
        void failedAttemptOnUnknownTokenIsZeroAndCreatesNothing() {
            assertThat(store.recordFailedAttempt("tok-404")).isZero();
            assertThat(store.findToken("tok-404")).isEmpty();
        }

        @Test
        @Timeout(60)
        void concurrentFailedAttemptsAreNeverLost() {
            store.insertToken(TestAgents.oneTimeToken("tok-001", T0));
            int threads = 8;
            int perThread = 50;

            List<List<Integer>> counts = race(threads, i -> () -> {
                List<Integer> seen = new ArrayList<>();
                for (int n = 0; n < perThread; n++) {
                    seen.add(store.recordFailedAttempt("tok-001"));
                }
                return seen;
            });

            List<Integer> all = counts.stream().flatMap(List::stream).sorted().collect(Collectors.toList());
            assertThat(all).as("every increment returns a distinct new count")
                    .containsExactlyElementsOf(IntStream.rangeClosed(1, threads * perThread).boxed().toList());
            assertThat(store.findToken("tok-001")).map(RegistrationToken::failedAttempts).contains(threads * perThread);
        }
    }

    @Nested
    @DisplayName("listing tokens")
    class TokenListing {

        @BeforeEach
        void insertShuffled() {
            List<String> ids = new ArrayList<>(List.of("tok-01", "tok-02", "tok-03", "tok-04", "tok-05", "tok-06"));
            Collections.shuffle(ids, new Random(7));
            for (String id : ids) {
                store.insertToken(TestAgents.oneTimeToken(id, T0));
            }
        }

        private List<String> list(@Nullable String afterId, int limit) {
            return store.listTokens(afterId, limit).stream().map(RegistrationToken::id).collect(Collectors.toList());
        }

        @Test
        void allTokensOrderedById() {
            assertThat(list(null, 100)).containsExactly("tok-01", "tok-02", "tok-03", "tok-04", "tok-05", "tok-06");
        }

        @Test
        void limitCutsTheFirstPage() {
            assertThat(list(null, 2)).containsExactly("tok-01", "tok-02");
        }

        @Test
        void afterIdIsExclusive() {
            assertThat(list("tok-02", 2)).containsExactly("tok-03", "tok-04");
            assertThat(list("tok-05", 10)).containsExactly("tok-06");
            assertThat(list("tok-06", 10)).isEmpty();
        }

        @Test
        void afterIdNeedNotExist() {
            assertThat(list("tok-025", 2)).containsExactly("tok-03", "tok-04");
            assertThat(list("tok-00", 1)).containsExactly("tok-01");
            assertThat(list("tok-99", 10)).isEmpty();
        }

        @Test
        void pagesCoverEveryTokenOnce() {
            List<String> seen = new ArrayList<>();
            String after = null;
            for (int pages = 0; ; pages++) {
                assertThat(pages).as("pages needed for 6 tokens").isLessThan(3);
                List<String> page = list(after, 4);
                seen.addAll(page);
                if (page.size() < 4) {
                    break;
                }
                after = page.get(page.size() - 1);
            }
            assertThat(seen).containsExactly("tok-01", "tok-02", "tok-03", "tok-04", "tok-05", "tok-06");
        }

        @Test
        void listedTokensCarryTheirState() {
            store.revokeToken("tok-03", at(5));
            store.recordFailedAttempt("tok-04");

            List<RegistrationToken> tokens = store.listTokens(null, 100);
            assertThat(tokens.get(2).revokedAt()).isEqualTo(at(5));
            assertThat(tokens.get(3).failedAttempts()).isEqualTo(1);
        }
    }

    @Nested
    @DisplayName("pruning tokens")
    class TokenPruning {

        private final Instant cutoff = at(10 * 86_400);
        private final Instant farFuture = at(100 * 86_400);

        /** Registers an agent with {@code tokenId} at {@code when}. */
        private void use(String tokenId, String agentId, Instant when) {
            TestAgents.NewAgent a = TestAgents.newAgent(agentId, T0);
            assertThat(store.registerAgent(tokenId, TestAgents.redemption(agentId, when), when, a.agent(),
                    a.certificate())).isTrue();
        }

        private Set<String> remaining() {
            return store.listTokens(null, 1000).stream().map(RegistrationToken::id).collect(Collectors.toSet());
        }

        @Test
        void deletesExactlyTheTokensThatCanNoLongerRegisterAndAreOlderThanTheCutoff() {
            Instant justBefore = cutoff.minusMillis(1);
            Instant justAfter = cutoff.plusMillis(1);
            store.insertToken(TestAgents.token("p-expired", T0).expiresAt(justBefore).build());
            store.insertToken(TestAgents.token("k-expires", T0).expiresAt(justAfter).build());
            store.insertToken(TestAgents.token("k-expatcut", T0).expiresAt(cutoff).build());
            store.insertToken(TestAgents.token("k-live", T0).expiresAt(farFuture).build());

            store.insertToken(TestAgents.token("p-revoked", T0).expiresAt(farFuture).build());
            store.revokeToken("p-revoked", justBefore);
            store.insertToken(TestAgents.token("k-revoked", T0).expiresAt(farFuture).build());
            store.revokeToken("k-revoked", justAfter);

            store.insertToken(TestAgents.token("p-used", T0).expiresAt(farFuture).build());
            use("p-used", "agent-001", justBefore);
            store.insertToken(TestAgents.token("k-used", T0).expiresAt(farFuture).build());
            use("k-used", "agent-002", justAfter);

            store.insertToken(TestAgents.token("k-partial", T0).expiresAt(farFuture).maxUses(3).build());
            use("k-partial", "agent-003", at(86_400));
            store.insertToken(TestAgents.token("p-multi", T0).expiresAt(farFuture).maxUses(2).build());
            use("p-multi", "agent-004", at(86_400));
            use("p-multi", "agent-005", justBefore);
            store.insertToken(TestAgents.token("k-multi", T0).expiresAt(farFuture).maxUses(2).build());
            use("k-multi", "agent-006", at(86_400));
            use("k-multi", "agent-007", justAfter);

            int deleted = store.pruneTokens(cutoff, 100);

            assertThat(remaining()).containsExactlyInAnyOrder(
                    "k-expires", "k-expatcut", "k-live", "k-revoked", "k-used", "k-partial", "k-multi");
            assertThat(deleted).isEqualTo(4);
            assertThat(store.findToken("p-expired")).isEmpty();
            assertThat(store.findToken("p-used")).isEmpty();
            assertThat(store.pruneTokens(cutoff, 100)).as("nothing left to prune").isZero();
        }

        @Test
        void pruningDoesNotTouchAgentsOrCertificates() {
            store.insertToken(TestAgents.token("p-used", T0).expiresAt(farFuture).build());
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            store.registerAgent("p-used", TestAgents.redemption("agent-001", T0), T0, a.agent(), a.certificate());

            assertThat(store.pruneTokens(cutoff, 100)).isEqualTo(1);

            assertThat(store.findAgent("agent-001")).contains(a.agent());
            assertThat(store.findCertificate(a.certificate().serial())).contains(a.certificate());
        }

        @Test
        void deletesAtMostLimitPerCall() {
            for (int i = 1; i <= 5; i++) {
                store.insertToken(TestAgents.token("p-expired-" + i, T0).expiresAt(at(60)).build());
            }
            store.insertToken(TestAgents.token("k-live", T0).expiresAt(farFuture).build());

            assertThat(store.pruneTokens(cutoff, 2)).isEqualTo(2);
            assertThat(remaining()).hasSize(4);
            assertThat(store.pruneTokens(cutoff, 2)).isEqualTo(2);
            assertThat(store.pruneTokens(cutoff, 2)).isEqualTo(1);
            assertThat(store.pruneTokens(cutoff, 2)).isZero();
            assertThat(remaining()).containsExactly("k-live");
        }
    }

    @Nested
    @DisplayName("registering agents")
    class Registration {

        @Test
        void writesTokenUseAgentAndCertificateTogether() {
            store.insertToken(TestAgents.oneTimeToken("tok-001", T0));
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", at(10));
            TokenRedemption redemption = new TokenRedemption(at(10), "agent-001", "cd".repeat(32), "203.0.113.5");

            assertThat(store.registerAgent("tok-001", redemption, at(10), a.agent(), a.certificate())).isTrue();

            RegistrationToken token = store.findToken("tok-001").orElseThrow();
            assertThat(token.redemptions()).containsExactly(redemption);
            assertThat(token.isExhausted()).isTrue();
            assertThat(store.findAgent("agent-001")).contains(a.agent());
            assertThat(store.findAgentByThumbprint(a.certificate().thumbprint())).contains(a.agent());
            assertThat(store.findCertificate(a.certificate().serial())).contains(a.certificate());
            assertThat(store.findCertificates("agent-001")).containsExactly(a.certificate());
            assertThat(store.countAgents(AgentStatus.PENDING)).isEqualTo(1);
        }

        private void assertNothingWritten(TestAgents.NewAgent a) {
            assertThat(store.findAgent(a.agent().id())).isEmpty();
            assertThat(store.findAgentByThumbprint(a.certificate().thumbprint())).isEmpty();
            assertThat(store.findCertificate(a.certificate().serial())).isEmpty();
            assertThat(store.findCertificates(a.agent().id())).isEmpty();
        }

        @Test
        void unknownTokenWritesNothing() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);

            assertThat(store.registerAgent("tok-404", TestAgents.redemption("agent-001", T0), T0, a.agent(),
                    a.certificate())).isFalse();

            assertNothingWritten(a);
            assertThat(store.findToken("tok-404")).isEmpty();
            assertThat(store.countAgents(AgentStatus.PENDING)).isZero();
        }

        @Test
        void revokedTokenWritesNothing() {
            store.insertToken(TestAgents.oneTimeToken("tok-001", T0));
            store.revokeToken("tok-001", at(1));
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", at(2));

            assertThat(store.registerAgent("tok-001", TestAgents.redemption("agent-001", at(2)), at(2), a.agent(),
                    a.certificate())).isFalse();

            assertNothingWritten(a);
            assertThat(store.findToken("tok-001").orElseThrow().redemptions()).isEmpty();
        }

        @Test
        void tokenExpiresAtItsExpiryInstant() {
            store.insertToken(TestAgents.token("tok-001", T0).expiresAt(at(60)).maxUses(2).build());
            TestAgents.NewAgent late = TestAgents.newAgent("agent-002", at(60));
            TestAgents.NewAgent inTime = TestAgents.newAgent("agent-001", at(59));

            assertThat(store.registerAgent("tok-001", TestAgents.redemption("agent-002", at(60)), at(60),
                    late.agent(), late.certificate())).as("at expiresAt").isFalse();
            assertNothingWritten(late);
            assertThat(store.findToken("tok-001").orElseThrow().redemptions()).isEmpty();

            Instant lastMilli = at(60).minusMillis(1);
            assertThat(store.registerAgent("tok-001", TestAgents.redemption("agent-001", lastMilli), lastMilli,
                    inTime.agent(), inTime.certificate())).as("one millisecond before expiresAt").isTrue();
        }

        @Test
        void exhaustedTokenWritesNothing() {
            store.insertToken(TestAgents.oneTimeToken("tok-001", T0));
            TestAgents.NewAgent first = TestAgents.newAgent("agent-001", T0);
            TestAgents.NewAgent second = TestAgents.newAgent("agent-002", T0);
            assertThat(store.registerAgent("tok-001", TestAgents.redemption("agent-001", T0), T0, first.agent(),
                    first.certificate())).isTrue();

            assertThat(store.registerAgent("tok-001", TestAgents.redemption("agent-002", at(1)), at(1),
                    second.agent(), second.certificate())).isFalse();

            assertNothingWritten(second);
            assertThat(store.findToken("tok-001").orElseThrow().redemptions())
                    .extracting(TokenRedemption::agentId).containsExactly("agent-001");
        }

        @Test
        void duplicateAgentIdThrowsAndWritesNothing() {
            Agent existing = register("agent-001");
            store.insertToken(TestAgents.oneTimeToken("tok-002", T0));
            TestAgents.NewAgent dup = TestAgents.newAgent("agent-001", at(5));

            assertThatThrownBy(() -> store.registerAgent("tok-002", TestAgents.redemption("agent-001", at(5)), at(5),
                    dup.agent(), dup.certificate())).isInstanceOf(IllegalStateException.class);

            assertThat(store.findToken("tok-002").orElseThrow().redemptions()).as("token not consumed").isEmpty();
            assertThat(store.findAgent("agent-001")).contains(existing);
            assertThat(store.findCertificate(dup.certificate().serial())).isEmpty();
            assertThat(store.findAgentByThumbprint(dup.certificate().thumbprint())).isEmpty();
            assertThat(store.findCertificates("agent-001")).hasSize(1);
            assertThat(store.countAgents(AgentStatus.PENDING)).isEqualTo(1);
        }

        @Test
        void duplicateCertificateSerialThrowsAndWritesNothing() {
            TestAgents.NewAgent first = TestAgents.newAgent("agent-001", T0);
            register(first);
            store.insertToken(TestAgents.oneTimeToken("tok-002", T0));
            AgentCertificate sameSerial = TestAgents.certificate("agent-002", first.certificate().serial(), T0,
                    T0.plus(Duration.ofDays(1)));
            Agent second = TestAgents.agent("agent-002", T0).certificate(sameSerial.pin()).build();

            assertThatThrownBy(() -> store.registerAgent("tok-002", TestAgents.redemption("agent-002", T0), T0,
                    second, sameSerial)).isInstanceOf(IllegalStateException.class);

            assertThat(store.findAgent("agent-002")).isEmpty();
            assertThat(store.findToken("tok-002").orElseThrow().redemptions()).as("token not consumed").isEmpty();
            assertThat(store.findCertificate(first.certificate().serial())).contains(first.certificate());
            assertThat(store.findCertificates("agent-002")).isEmpty();
            assertThat(store.countAgents(AgentStatus.PENDING)).isEqualTo(1);
        }

        @Test
        void multiUseTokenRegistersExactlyMaxUsesAgentsInOrder() {
            store.insertToken(TestAgents.token("tok-bulk", T0).maxUses(3).build());
            List<TokenRedemption> made = new ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                String id = "agent-00" + i;
                TestAgents.NewAgent a = TestAgents.newAgent(id, at(i));
                TokenRedemption r = TestAgents.redemption(id, at(i));
                boolean ok = store.registerAgent("tok-bulk", r, at(i), a.agent(), a.certificate());
                assertThat(ok).as("registration " + i).isEqualTo(i <= 3);
                if (ok) {
                    made.add(r);
                }
            }

            RegistrationToken token = store.findToken("tok-bulk").orElseThrow();
            assertThat(token.redemptions()).containsExactlyElementsOf(made);
            assertThat(token.isExhausted()).isTrue();
            assertThat(store.findAgents(AgentQuery.all())).extracting(Agent::id)
                    .containsExactly("agent-001", "agent-002", "agent-003");
            assertThat(store.findAgent("agent-004")).isEmpty();
        }

        @Test
        void registrationKeepsTheTokensOtherState() {
            store.insertToken(TestAgents.token("tok-001", T0).maxUses(2).label("env", "prod").build());
            store.recordFailedAttempt("tok-001");
            RegistrationToken before = store.findToken("tok-001").orElseThrow();
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            TokenRedemption r = TestAgents.redemption("agent-001", at(3));

            store.registerAgent("tok-001", r, at(3), a.agent(), a.certificate());

            assertThat(store.findToken("tok-001")).contains(before.withRedemption(r));
        }

        @Test
        @Timeout(60)
        @DisplayName("the race: of 32 threads on a one-time token exactly one registers")
        void raceOnOneTimeTokenHasExactlyOneWinner() {
            store.insertToken(TestAgents.oneTimeToken("tok-race", T0));
            List<TestAgents.NewAgent> candidates = IntStream.range(0, RACE_THREADS)
                    .mapToObj(i -> TestAgents.newAgent(String.format("agent-%03d", i), T0)).toList();

            List<Boolean> results = race(RACE_THREADS, i -> () -> store.registerAgent("tok-race",
                    TestAgents.redemption(candidates.get(i).agent().id(), T0), T0, candidates.get(i).agent(),
                    candidates.get(i).certificate()));

            assertThat(results).filteredOn(Boolean::booleanValue).hasSize(1);
            TestAgents.NewAgent winner = candidates.get(results.indexOf(true));
            assertThat(store.findAgents(AgentQuery.all())).containsExactly(winner.agent());
            assertThat(store.countAgents(AgentStatus.PENDING)).isEqualTo(1);
            assertThat(store.findToken("tok-race").orElseThrow().redemptions())
                    .extracting(TokenRedemption::agentId).containsExactly(winner.agent().id());
            for (TestAgents.NewAgent c : candidates) {
                assertThat(store.findCertificate(c.certificate().serial()).isPresent())
                        .as("certificate of " + c.agent().id()).isEqualTo(c == winner);
            }
        }

        @Test
        @Timeout(60)
        void raceOnFiveUseTokenHasExactlyFiveWinners() {
            store.insertToken(TestAgents.token("tok-race", T0).maxUses(5).build());
            List<TestAgents.NewAgent> candidates = IntStream.range(0, RACE_THREADS)
                    .mapToObj(i -> TestAgents.newAgent(String.format("agent-%03d", i), T0)).toList();

            List<Boolean> results = race(RACE_THREADS, i -> () -> store.registerAgent("tok-race",
                    TestAgents.redemption(candidates.get(i).agent().id(), T0), T0, candidates.get(i).agent(),
                    candidates.get(i).certificate()));

            Set<String> winners = IntStream.range(0, RACE_THREADS).filter(results::get)
                    .mapToObj(i -> candidates.get(i).agent().id()).collect(Collectors.toSet());
            assertThat(winners).hasSize(5);
            assertThat(store.findAgents(AgentQuery.all())).extracting(Agent::id)
                    .containsExactlyInAnyOrderElementsOf(winners);
            assertThat(store.findToken("tok-race").orElseThrow().redemptions())
                    .extracting(TokenRedemption::agentId).containsExactlyInAnyOrderElementsOf(winners);
        }

        @Test
        @Timeout(60)
        void raceOnOneAgentIdWithManyTokensRegistersOnceAndConsumesOneToken() {
            int threads = 8;
            for (int i = 0; i < threads; i++) {
                store.insertToken(TestAgents.oneTimeToken("tok-" + i, T0));
            }
            List<TestAgents.NewAgent> candidates =
                    IntStream.range(0, threads).mapToObj(i -> TestAgents.newAgent("agent-dup", T0)).toList();

            List<String> outcomes = race(threads, i -> () -> {
                try {
                    return store.registerAgent("tok-" + i, TestAgents.redemption("agent-dup", T0), T0,
                            candidates.get(i).agent(), candidates.get(i).certificate()) ? "registered" : "refused";
                } catch (IllegalStateException e) {
                    return "duplicate";
                }
            });

            assertThat(outcomes).filteredOn("registered"::equals).hasSize(1);
            assertThat(outcomes).filteredOn("duplicate"::equals).hasSize(threads - 1);
            int winner = outcomes.indexOf("registered");
            for (int i = 0; i < threads; i++) {
                assertThat(store.findToken("tok-" + i).orElseThrow().uses()).as("uses of tok-" + i)
                        .isEqualTo(i == winner ? 1 : 0);
                assertThat(store.findCertificate(candidates.get(i).certificate().serial()).isPresent())
                        .isEqualTo(i == winner);
            }
            assertThat(store.findAgent("agent-dup")).contains(candidates.get(winner).agent());
        }
    }

    @Nested
    @DisplayName("reading agents")
    class AgentReads {

        @Test
        void unknownAgentIsEmpty() {
            register("agent-001");

            assertThat(store.findAgent("agent-002")).isEmpty();
            assertThat(store.findAgentByThumbprint("00".repeat(32))).isEmpty();
        }

        @Test
        void findsByCurrentAndNextThumbprint() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            register(a);
            register("agent-002");
            AgentCertificate renewal = TestAgents.certificate("agent-001", at(3600));
            store.insertCertificate(renewal);

            Agent updated = store.updateAgent(stored("agent-001").withCertificates(a.certificate().pin(),
                    renewal.pin()), 1).orElseThrow();

            assertThat(store.findAgentByThumbprint(a.certificate().thumbprint())).contains(updated);
            assertThat(store.findAgentByThumbprint(renewal.thumbprint())).contains(updated);
        }

        @Test
        void promotedCertificateReplacesTheOldThumbprint() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            register(a);
            AgentCertificate renewal = TestAgents.certificate("agent-001", at(3600));
            store.insertCertificate(renewal);
            Agent withNext = store.updateAgent(stored("agent-001").withCertificates(a.certificate().pin(),
                    renewal.pin()), 1).orElseThrow();

            Agent promoted = store.updateAgent(withNext.withCertificates(renewal.pin(), null), withNext.version())
                    .orElseThrow();

            assertThat(store.findAgentByThumbprint(a.certificate().thumbprint())).isEmpty();
            assertThat(store.findAgentByThumbprint(renewal.thumbprint())).contains(promoted);
            assertThat(promoted.certificate()).isEqualTo(renewal.pin());
            assertThat(promoted.nextCertificate()).isNull();
        }

        @Test
        void droppedNextCertificateNoLongerFindsTheAgent() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            register(a);
            AgentCertificate renewal = TestAgents.certificate("agent-001", at(3600));
            Agent withNext = store.updateAgent(stored("agent-001").withCertificates(a.certificate().pin(),
                    renewal.pin()), 1).orElseThrow();

            store.updateAgent(withNext.withCertificates(a.certificate().pin(), null), withNext.version()).orElseThrow();

            assertThat(store.findAgentByThumbprint(renewal.thumbprint())).isEmpty();
            assertThat(store.findAgentByThumbprint(a.certificate().thumbprint())).isPresent();
        }

        @Test
        void revokedAgentIsStillFoundByThumbprint() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            Agent registered = register(a);
            Agent revoked = changeStatus(registered, AgentStatus.REVOKED);

            assertThat(store.findAgentByThumbprint(a.certificate().thumbprint())).contains(revoked);
        }

        @Test
        void readsMergeTheLatestLiveness() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            register(a);
            AgentLiveness liveness = new AgentLiveness(at(5), 7, 3, at(95), Duration.ofMillis(-250));

            assertThat(store.recordHeartbeat("agent-001", 1, 7, 3, at(5), at(95), Duration.ofMillis(-250)))
                    .isEqualTo(HeartbeatWrite.ACCEPTED_NEW_EPOCH);

            Agent expected = a.agent().withLiveness(liveness);
            assertThat(store.findAgent("agent-001")).contains(expected);
            assertThat(store.findAgentByThumbprint(a.certificate().thumbprint())).contains(expected);
            assertThat(store.findAgents(AgentQuery.all())).containsExactly(expected);
        }
    }

    @Nested
    @DisplayName("querying agents")
    class AgentQueries {

        @BeforeEach
        void fleet() {
            // a1: ACTIVE, docker 1.9 + compose, env=prod region=eu
            // a2: PENDING, docker 1.10, env=prod region=us
            // a3: INACTIVE(OPERATOR), docker (no version), env=test
            // a4: REVOKED, podman 4.0, no labels
            // a5..a7: PENDING, no capabilities, env=dev
            List<Agent> agents = new ArrayList<>();
            agents.add(TestAgents.agent("agent-a1", T0)
                    .capabilities(Capability.of("docker", "1.9"), Capability.of("compose", "2.24"))
                    .labels(Map.of("env", "prod", "region", "eu")).build());
            agents.add(TestAgents.agent("agent-a2", T0).capabilities(Capability.of("docker", "1.10"))
                    .labels(Map.of("env", "prod", "region", "us")).build());
            agents.add(TestAgents.agent("agent-a3", T0).capabilities(Capability.of("docker"))
                    .labels(Map.of("env", "test")).build());
            agents.add(TestAgents.agent("agent-a4", T0).capabilities(Capability.of("podman", "4.0"))
                    .labels(Map.of()).build());
            for (int i = 5; i <= 7; i++) {
                agents.add(TestAgents.agent("agent-a" + i, T0).capabilities(Set.of()).labels(Map.of("env", "dev"))
                        .build());
            }
            Collections.shuffle(agents, new Random(42));
            for (Agent agent : agents) {
                AgentCertificate cert = TestAgents.certificate(agent.id(), agent.certificate().serial(), T0,
                        agent.certificate().notAfter());
                register(new TestAgents.NewAgent(agent.withCertificates(cert.pin(), null), cert));
            }
            changeStatus(stored("agent-a1"), AgentStatus.ACTIVE);
            Agent a3 = stored("agent-a3");
            store.updateAgent(a3.withStatus(AgentStatus.INACTIVE, InactiveReason.OPERATOR, at(1)), a3.version())
                    .orElseThrow();
            changeStatus(stored("agent-a4"), AgentStatus.REVOKED);
        }

        private List<String> query(AgentQuery.Builder query) {
            return ids(store.findAgents(query.build()));
        }

        @Test
        void allAgentsOrderedById() {
            assertThat(query(AgentQuery.builder())).containsExactly(
                    "agent-a1", "agent-a2", "agent-a3", "agent-a4", "agent-a5", "agent-a6", "agent-a7");
        }

        @Test
        void byStatus() {
            assertThat(query(AgentQuery.builder().status(AgentStatus.ACTIVE))).containsExactly("agent-a1");
            assertThat(query(AgentQuery.builder().status(AgentStatus.REVOKED))).containsExactly("agent-a4");
            assertThat(query(AgentQuery.builder().status(AgentStatus.ACTIVE, AgentStatus.INACTIVE)))
                    .containsExactly("agent-a1", "agent-a3");
            assertThat(query(AgentQuery.builder().status(AgentStatus.PENDING)))
                    .containsExactly("agent-a2", "agent-a5", "agent-a6", "agent-a7");
        }

        @Test
        void byCapabilityName() {
            assertThat(query(AgentQuery.builder().capability("docker")))
                    .containsExactly("agent-a1", "agent-a2", "agent-a3");
            assertThat(query(AgentQuery.builder().capability("compose"))).containsExactly("agent-a1");
            assertThat(query(AgentQuery.builder().capability("kubectl"))).isEmpty();
        }

        @Test
        void byCapabilityMinimumVersionComparesNumerically() {
            assertThat(query(AgentQuery.builder().capability("docker", "1.10"))).containsExactly("agent-a2");
            assertThat(query(AgentQuery.builder().capability("docker", "1.9")))
                    .as("1.10 > 1.9 and 1.9 >= 1.9; a versionless capability never satisfies a minimum")
                    .containsExactly("agent-a1", "agent-a2");
            assertThat(query(AgentQuery.builder().capability("docker", "1.9.1"))).containsExactly("agent-a2");
            assertThat(query(AgentQuery.builder().capability("docker", "2"))).isEmpty();
            assertThat(query(AgentQuery.builder().capability("podman", "4"))).containsExactly("agent-a4");
        }

        @Test
        void byLabels() {
            assertThat(query(AgentQuery.builder().label("env", "prod"))).containsExactly("agent-a1", "agent-a2");
            assertThat(query(AgentQuery.builder().label("env", "prod").label("region", "us")))
                    .containsExactly("agent-a2");
            assertThat(query(AgentQuery.builder().label("region", "ap"))).isEmpty();
            assertThat(query(AgentQuery.builder().label("env", "dev")))
                    .containsExactly("agent-a5", "agent-a6", "agent-a7");
        }

        @Test
        void criteriaCombine() {
            assertThat(query(AgentQuery.builder().status(AgentStatus.ACTIVE, AgentStatus.PENDING)
                    .capability("docker"))).containsExactly("agent-a1", "agent-a2");
            assertThat(query(AgentQuery.builder().status(AgentStatus.PENDING).label("env", "prod")
                    .capability("docker", "1.0"))).containsExactly("agent-a2");
            assertThat(query(AgentQuery.builder().status(AgentStatus.ACTIVE).label("env", "test"))).isEmpty();
        }

        @Test
        void limitAndAfterIdPage() {
            assertThat(query(AgentQuery.builder().limit(3))).containsExactly("agent-a1", "agent-a2", "agent-a3");
            assertThat(query(AgentQuery.builder().limit(3).afterId("agent-a3")))
                    .containsExactly("agent-a4", "agent-a5", "agent-a6");
            assertThat(query(AgentQuery.builder().limit(3).afterId("agent-a6"))).containsExactly("agent-a7");
            assertThat(query(AgentQuery.builder().afterId("agent-a35"))).startsWith("agent-a4");
            assertThat(query(AgentQuery.builder().afterId("agent-a7"))).isEmpty();
        }

        @Test
        void filteredPagesCoverEveryMatchOnce() {
            AgentQuery q = AgentQuery.builder().status(AgentStatus.PENDING).limit(1).build();
            List<String> seen = new ArrayList<>();
            List<Agent> page = store.findAgents(q);
            while (!page.isEmpty()) {
                assertThat(page).hasSize(1);
                assertThat(seen).as("pages so far").hasSizeLessThan(4).doesNotContain(page.get(0).id());
                seen.add(page.get(0).id());
                page = store.findAgents(q.after(page.get(0).id()));
            }
            assertThat(seen).containsExactly("agent-a2", "agent-a5", "agent-a6", "agent-a7");
        }

        @Test
        void queriesSeeUpdatedCapabilitiesAndLabels() {
            Agent a3 = stored("agent-a3");
            Agent changed = withLabels(a3.withCapabilities(Set.of(Capability.of("podman", "5.1"))),
                    Map.of("env", "prod", "region", "ap"));
            store.updateAgent(changed, a3.version()).orElseThrow();

            assertThat(query(AgentQuery.builder().capability("docker"))).containsExactly("agent-a1", "agent-a2");
            assertThat(query(AgentQuery.builder().capability("podman", "5"))).containsExactly("agent-a3");
            assertThat(query(AgentQuery.builder().label("env", "test"))).isEmpty();
            assertThat(query(AgentQuery.builder().label("env", "prod")))
                    .containsExactly("agent-a1", "agent-a2", "agent-a3");
        }

        @Test
        void queriesSeeStatusChanges() {
            changeStatus(stored("agent-a5"), AgentStatus.ACTIVE);

            assertThat(query(AgentQuery.builder().status(AgentStatus.ACTIVE))).containsExactly("agent-a1", "agent-a5");
            assertThat(query(AgentQuery.builder().status(AgentStatus.PENDING)))
                    .containsExactly("agent-a2", "agent-a6", "agent-a7");
        }

        @Test
        void countsPerStatus() {
            assertThat(store.countAgents(AgentStatus.ACTIVE)).isEqualTo(1);
            assertThat(store.countAgents(AgentStatus.PENDING)).isEqualTo(4);
            assertThat(store.countAgents(AgentStatus.INACTIVE)).isEqualTo(1);
            assertThat(store.countAgents(AgentStatus.REVOKED)).isEqualTo(1);

            changeStatus(stored("agent-a5"), AgentStatus.ACTIVE);
            changeStatus(stored("agent-a1"), AgentStatus.REVOKED);

            assertThat(store.countAgents(AgentStatus.ACTIVE)).isEqualTo(1);
            assertThat(store.countAgents(AgentStatus.PENDING)).isEqualTo(3);
            assertThat(store.countAgents(AgentStatus.REVOKED)).isEqualTo(2);
        }
    }

    @Nested
    @DisplayName("optimistic updates")
    class OptimisticUpdates {

        @Test
        void writesDurableStateWithTheNextVersion() {
            Agent registered = register("agent-001");
            Agent desired = registered.withStatus(AgentStatus.ACTIVE, null, at(3))
                    .withCapabilities(Set.of(Capability.of("kubectl", "1.29")))
                    .withReport(AgentHealth.DEGRADED, "2.0.0");

            Optional<Agent> result = store.updateAgent(desired, 1);

            Agent expected = desired.withVersion(2);
            assertThat(result).contains(expected);
            assertThat(store.findAgent("agent-001")).contains(expected);
        }

        @Test
        void ignoresTheLivenessOfTheArgumentAndReturnsTheCurrentOne() {
            register("agent-001");
            store.recordHeartbeat("agent-001", 1, 1, 5, at(10), at(100), null);
            Agent current = stored("agent-001");
            AgentLiveness bogus = new AgentLiveness(at(999), 99, 99, at(99_999), Duration.ofSeconds(9));

            Agent result = store.updateAgent(current.withStatus(AgentStatus.ACTIVE, null, at(10)).withLiveness(bogus), 1)
                    .orElseThrow();

            assertThat(result.liveness()).isEqualTo(current.liveness());
            assertThat(stored("agent-001").liveness()).isEqualTo(current.liveness());
            assertThat(result.status()).isEqualTo(AgentStatus.ACTIVE);
        }

        @Test
        void staleVersionWritesNothing() {
            Agent v1 = register("agent-001");
            Agent v2 = store.updateAgent(v1.withReport(AgentHealth.HEALTHY, "1.1.0"), 1).orElseThrow();

            assertThat(store.updateAgent(v1.withReport(AgentHealth.UNHEALTHY, "9.9.9"), 1)).isEmpty();
            assertThat(store.updateAgent(v1.withReport(AgentHealth.UNHEALTHY, "9.9.9"), 3)).as("future version")
                    .isEmpty();

            assertThat(store.findAgent("agent-001")).contains(v2);
        }

        @Test
        void unknownAgentIsEmptyAndCreatesNothing() {
            Agent ghost = TestAgents.newAgent("agent-404", T0).agent();

            assertThat(store.updateAgent(ghost, 1)).isEmpty();
            assertThat(store.findAgent("agent-404")).isEmpty();
            assertThat(store.findAgentByThumbprint(ghost.certificate().thumbprint())).isEmpty();
        }

        @Test
        void versionsKeepCounting() {
            Agent a = register("agent-001");
            for (int i = 0; i < 5; i++) {
                a = store.updateAgent(a.withReport(i % 2 == 0 ? AgentHealth.HEALTHY : AgentHealth.DEGRADED, null),
                        a.version()).orElseThrow();
            }
            assertThat(a.version()).isEqualTo(6);
            assertThat(stored("agent-001").version()).isEqualTo(6);
        }

        @Test
        @Timeout(60)
        void ofRacingUpdatesWithOneVersionExactlyOneWins() {
            Agent v1 = register("agent-001");
            int threads = 16;

            List<Optional<Agent>> results = race(threads, i -> () -> store.updateAgent(
                    v1.withCapabilities(Set.of(Capability.of("cap-" + i))), 1));

            List<Agent> winners = results.stream().flatMap(Optional::stream).toList();
            assertThat(winners).hasSize(1);
            assertThat(stored("agent-001")).isEqualTo(winners.get(0));
            assertThat(winners.get(0).version()).isEqualTo(2);
        }

        @Test
        @Timeout(60)
        void anUpdateNeverLosesARacingHeartbeat() {
            int agents = 40;
            for (int i = 0; i < agents; i++) {
                register(String.format("agent-%03d", i));
            }
            for (int i = 0; i < agents; i++) {
                String id = String.format("agent-%03d", i);
                Agent v1 = stored(id);
                List<Object> results = race(2, t -> () -> t == 0
                        ? store.recordHeartbeat(id, 1, 1, 1, at(10), at(100), null)
                        : store.updateAgent(v1.withStatus(AgentStatus.ACTIVE, null, at(10)), 1));
                HeartbeatWrite hb = (HeartbeatWrite) results.get(0);
                assertThat((Optional<?>) results.get(1)).as("update of " + id).isPresent();
                Agent after = stored(id);
                assertThat(after.status()).isEqualTo(AgentStatus.ACTIVE);
                if (accepted(hb)) {
                    assertThat(after.liveness().sequence()).as("heartbeat of " + id + " kept").isEqualTo(1);
                    assertThat(after.liveness().deadline()).isEqualTo(at(100));
                } else {
                    assertThat(hb).isEqualTo(HeartbeatWrite.VERSION_CHANGED);
                    assertThat(after.liveness().sequence()).isEqualTo(AgentLiveness.NO_SEQUENCE);
                }
            }
        }
    }

    @Nested
    @DisplayName("heartbeats")
    class Heartbeats {

        private Agent agent;

        @BeforeEach
        void registerOne() {
            agent = register("agent-001");
        }

        private HeartbeatWrite beat(long epoch, long seq, long second) {
            return store.recordHeartbeat("agent-001", agent.version(), epoch, seq, at(second), at(second + 90), null);
        }

        @Test
        void firstBeatIsANewEpochAndRecordsLiveness() {
            assertThat(store.recordHeartbeat("agent-001", 1, 0, 0, at(2), at(92), Duration.ofMillis(1500)))
                    .isEqualTo(HeartbeatWrite.ACCEPTED_NEW_EPOCH);

            Agent after = stored("agent-001");
            assertThat(after.liveness()).isEqualTo(new AgentLiveness(at(2), 0, 0, at(92), Duration.ofMillis(1500)));
            assertThat(after.withLiveness(agent.liveness())).as("durable state untouched").isEqualTo(agent);
            assertThat(after.version()).isEqualTo(1);
        }

        @Test
        void higherSequenceInTheSameEpochIsAccepted() {
            beat(5, 1, 1);

            assertThat(beat(5, 2, 31)).isEqualTo(HeartbeatWrite.ACCEPTED);
            assertThat(beat(5, 10, 61)).as("gaps are fine").isEqualTo(HeartbeatWrite.ACCEPTED);

            assertThat(stored("agent-001").liveness()).isEqualTo(new AgentLiveness(at(61), 5, 10, at(151), null));
            assertThat(stored("agent-001").version()).isEqualTo(1);
        }

        @Test
        void equalPairIsStaleAndChangesNothing() {
            beat(5, 7, 1);
            AgentLiveness before = stored("agent-001").liveness();

            assertThat(beat(5, 7, 40)).isEqualTo(HeartbeatWrite.STALE);

            assertThat(stored("agent-001").liveness()).isEqualTo(before);
        }

        @Test
        void olderPairsAreStale() {
            beat(5, 7, 1);
            AgentLiveness before = stored("agent-001").liveness();

            assertThat(beat(5, 6, 40)).as("lower sequence").isEqualTo(HeartbeatWrite.STALE);
            assertThat(beat(4, 100, 41)).as("lower epoch, higher sequence").isEqualTo(HeartbeatWrite.STALE);
            assertThat(beat(0, 0, 42)).isEqualTo(HeartbeatWrite.STALE);

            assertThat(stored("agent-001").liveness()).isEqualTo(before);
        }

        @Test
        void higherEpochIsANewEpochEvenWithALowerSequence() {
            beat(5, 70, 1);

            assertThat(beat(6, 0, 31)).isEqualTo(HeartbeatWrite.ACCEPTED_NEW_EPOCH);

            assertThat(stored("agent-001").liveness()).isEqualTo(new AgentLiveness(at(31), 6, 0, at(121), null));
        }

        @Test
        void wrongVersionIsRefusedAndChangesNothing() {
            AgentLiveness before = stored("agent-001").liveness();

            assertThat(store.recordHeartbeat("agent-001", 2, 1, 1, at(5), at(95), null))
                    .isEqualTo(HeartbeatWrite.VERSION_CHANGED);
            assertThat(store.recordHeartbeat("agent-001", 0, 1, 1, at(5), at(95), null))
                    .isEqualTo(HeartbeatWrite.VERSION_CHANGED);

            assertThat(stored("agent-001").liveness()).isEqualTo(before);
        }

        @Test
        void afterAnUpdateTheOldVersionIsRefused() {
            Agent v2 = changeStatus(agent, AgentStatus.ACTIVE);

            assertThat(store.recordHeartbeat("agent-001", 1, 1, 1, at(5), at(95), null))
                    .isEqualTo(HeartbeatWrite.VERSION_CHANGED);
            assertThat(store.recordHeartbeat("agent-001", v2.version(), 1, 1, at(5), at(95), null))
                    .isEqualTo(HeartbeatWrite.ACCEPTED_NEW_EPOCH);
        }

        @Test
        void unknownAgentIsNotFound() {
            assertThat(store.recordHeartbeat("agent-404", 1, 1, 1, at(5), at(95), null))
                    .isEqualTo(HeartbeatWrite.NOT_FOUND);
            assertThat(store.findAgent("agent-404")).isEmpty();
        }

        @Test
        void heartbeatsAreRecordedWhateverTheStatus() {
            Agent inactive = store.updateAgent(agent.withStatus(AgentStatus.INACTIVE, InactiveReason.OPERATOR, at(1)),
                    1).orElseThrow();

            assertThat(store.recordHeartbeat("agent-001", inactive.version(), 1, 1, at(5), at(95), null))
                    .isEqualTo(HeartbeatWrite.ACCEPTED_NEW_EPOCH);
            assertThat(stored("agent-001").liveness().lastHeartbeatAt()).isEqualTo(at(5));
            assertThat(stored("agent-001").status()).isEqualTo(AgentStatus.INACTIVE);
        }

        @Test
        void otherAgentsAreUntouched() {
            Agent other = register("agent-002");

            beat(1, 1, 5);

            assertThat(store.findAgent("agent-002")).contains(other);
        }

        @Test
        @Timeout(60)
        void ofRacingHeartbeatsWithOnePairExactlyOneIsAccepted() {
            List<HeartbeatWrite> results = race(RACE_THREADS, i -> () ->
                    store.recordHeartbeat("agent-001", 1, 3, 9, at(5), at(95), null));

            assertThat(results).filteredOn(AgentStoreContractTest::accepted).hasSize(1);
            assertThat(results).filteredOn(w -> w == HeartbeatWrite.STALE).hasSize(RACE_THREADS - 1);
            assertThat(stored("agent-001").liveness().sequence()).isEqualTo(9);
        }

        @Test
        @Timeout(60)
        void racingHeartbeatsEndAtTheNewestPair() {
            List<HeartbeatWrite> results = race(RACE_THREADS, i -> () ->
                    store.recordHeartbeat("agent-001", 1, 3, i, at(5 + i), at(95 + i), null));

            assertThat(results.get(RACE_THREADS - 1)).as("the newest pair is never stale")
                    .isIn(HeartbeatWrite.ACCEPTED, HeartbeatWrite.ACCEPTED_NEW_EPOCH);
            assertThat(results).filteredOn(w -> w == HeartbeatWrite.ACCEPTED_NEW_EPOCH).hasSize(1);
            int last = RACE_THREADS - 1;
            assertThat(stored("agent-001").liveness())
                    .isEqualTo(new AgentLiveness(at(5 + last), 3, last, at(95 + last), null));
        }
    }

    @Nested
    @DisplayName("overdue agents")
    class OverdueAgents {

        private Set<String> overdue(Instant now, int limit) {
            List<Agent> found = store.findOverdue(now, limit);
            Set<String> ids = new HashSet<>(ids(found));
            assertThat(ids).as("no duplicates").hasSize(found.size());
            return ids;
        }

        @Test
        void onlyActiveAndPendingAgentsStrictlyPastTheirDeadline() {
            registerWithDeadline("agent-act", at(90), AgentStatus.ACTIVE);
            registerWithDeadline("agent-pen", at(90), AgentStatus.PENDING);
            registerWithDeadline("agent-ina", at(90), AgentStatus.INACTIVE);
            registerWithDeadline("agent-rev", at(90), AgentStatus.REVOKED);
            registerWithDeadline("agent-lat", at(91), AgentStatus.ACTIVE);

            assertThat(overdue(at(90), 100)).as("deadline equal to now is not overdue").isEmpty();
            assertThat(overdue(at(90).plusMillis(1), 100)).containsExactlyInAnyOrder("agent-act", "agent-pen");
            assertThat(overdue(at(91).plusMillis(1), 100))
                    .containsExactlyInAnyOrder("agent-act", "agent-pen", "agent-lat");
        }

        @Test
        void returnsCurrentState() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);

            assertThat(store.findOverdue(at(100), 10)).containsExactly(a);
        }

        @Test
        void anAgentNotExpiredIsFoundAgain() {
            registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);

            assertThat(overdue(at(100), 10)).containsExactly("agent-001");
            assertThat(overdue(at(100), 10)).containsExactly("agent-001");
            assertThat(overdue(at(101), 10)).containsExactly("agent-001");
        }

        @Test
        void aHeartbeatTakesTheAgentOutUntilItsNewDeadline() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);
            assertThat(overdue(at(100), 10)).containsExactly("agent-001");

            store.recordHeartbeat("agent-001", a.version(), 1, 1, at(100), at(190), null);

            assertThat(overdue(at(101), 10)).isEmpty();
            assertThat(overdue(at(190), 10)).isEmpty();
            assertThat(overdue(at(191), 10)).containsExactly("agent-001");
        }

        @Test
        void aHeartbeatThatMovesTheDeadlineEarlierIsHonoured() {
            Agent a = registerWithDeadline("agent-001", at(900), AgentStatus.ACTIVE);

            store.recordHeartbeat("agent-001", a.version(), 1, 1, at(1), at(10), null);

            assertThat(overdue(at(20), 10)).containsExactly("agent-001");
        }

        @Test
        void anEarlierNowDoesNotReportLaterDeadlines() {
            registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);
            assertThat(overdue(at(100), 10)).containsExactly("agent-001");

            assertThat(overdue(at(50), 10)).as("clock stepped back").isEmpty();
            assertThat(overdue(at(95), 10)).containsExactly("agent-001");
        }

        @Test
        void honoursTheLimit() {
            for (int i = 0; i < 10; i++) {
                registerWithDeadline(String.format("agent-%03d", i), at(10 + i), AgentStatus.ACTIVE);
            }

            Set<String> some = overdue(at(100), 3);
            assertThat(some).hasSize(3);
            assertThat(overdue(at(100), 100)).hasSize(10).containsAll(some);
            assertThat(overdue(at(100), 1)).hasSize(1);
        }

        @Test
        void aBacklogDrainsInBatchesWhenExpired() {
            for (int i = 0; i < 25; i++) {
                registerWithDeadline(String.format("agent-%03d", i), at(10 + i), AgentStatus.ACTIVE);
            }
            Set<String> expired = new HashSet<>();
            for (int round = 0; round < 3; round++) {
                List<Agent> batch = store.findOverdue(at(100), 10);
                assertThat(batch).hasSize(round < 2 ? 10 : 5);
                for (Agent a : batch) {
                    assertThat(expired.add(a.id())).as("returned again after expiry: " + a.id()).isTrue();
                    store.expireAgent(a.withStatus(AgentStatus.INACTIVE, InactiveReason.MISSED_HEARTBEATS, at(100)),
                            a.version(), at(100)).orElseThrow();
                }
            }
            assertThat(expired).hasSize(25);
            assertThat(store.findOverdue(at(100), 10)).isEmpty();
        }

        @Test
        void aBacklogSharingOneDeadlineDrainsInBatches() {
            for (int i = 0; i < 25; i++) {
                registerWithDeadline(String.format("agent-%03d", i), at(60), AgentStatus.ACTIVE);
            }
            registerWithDeadline("agent-lat", at(61), AgentStatus.PENDING);
            store.extendDeadlines(at(90)); // a grace period gives everyone the same deadline
            Set<String> expired = new HashSet<>();
            for (int round = 0; round < 4; round++) {
                for (Agent a : store.findOverdue(at(100), 7)) {
                    assertThat(expired.add(a.id())).as("returned again after expiry: " + a.id()).isTrue();
                    store.expireAgent(a.withStatus(AgentStatus.INACTIVE, InactiveReason.MISSED_HEARTBEATS, at(100)),
                            a.version(), at(100)).orElseThrow();
                }
            }
            assertThat(expired).hasSize(26);
            assertThat(store.findOverdue(at(100), 10)).isEmpty();
        }

        @Test
        void statusChangesTakeAgentsOutAndBackIn() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);
            Agent inactive = store.updateAgent(a.withStatus(AgentStatus.INACTIVE, InactiveReason.OPERATOR, at(1)),
                    a.version()).orElseThrow();
            assertThat(overdue(at(100), 10)).isEmpty();

            Agent active = store.updateAgent(inactive.withStatus(AgentStatus.ACTIVE, null, at(100)),
                    inactive.version()).orElseThrow();
            assertThat(overdue(at(100), 10)).containsExactly("agent-001");

            store.recordHeartbeat("agent-001", active.version(), 1, 1, at(100), at(190), null);
            assertThat(overdue(at(150), 10)).isEmpty();
            assertThat(overdue(at(191), 10)).containsExactly("agent-001");
        }

        @Test
        void anExpiredAgentThatComesBackIsWatchedAgain() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);
            Agent expired = store.expireAgent(a.withStatus(AgentStatus.INACTIVE, InactiveReason.MISSED_HEARTBEATS,
                    at(100)), a.version(), at(100)).orElseThrow();
            assertThat(overdue(at(100), 10)).isEmpty();

            store.recordHeartbeat("agent-001", expired.version(), 1, 1, at(200), at(290), null);
            store.updateAgent(expired.withStatus(AgentStatus.ACTIVE, null, at(200)), expired.version()).orElseThrow();

            assertThat(overdue(at(250), 10)).isEmpty();
            assertThat(overdue(at(291), 10)).containsExactly("agent-001");
        }

        @Test
        void farClockJumpsFindEverythingDue() {
            for (int i = 0; i < 50; i++) {
                registerWithDeadline(String.format("agent-%03d", i), at(i * 600L), AgentStatus.ACTIVE);
            }
            registerWithDeadline("agent-far", at(400L * 86_400), AgentStatus.ACTIVE);

            assertThat(overdue(at(1), 100)).containsExactly("agent-000");
            assertThat(overdue(at(4 * 3600).plusMillis(1), 100)).hasSize(25);
            assertThat(overdue(at(3 * 86_400), 100)).hasSize(50).doesNotContain("agent-far");
            assertThat(overdue(at(399L * 86_400), 100)).hasSize(50).doesNotContain("agent-far");
            assertThat(overdue(at(401L * 86_400), 100)).hasSize(51).contains("agent-far");
        }

        @Test
        void deadlinesFarAheadAreNotReportedEarly() {
            registerWithDeadline("agent-001", at(2 * 86_400), AgentStatus.ACTIVE);
            registerWithDeadline("agent-002", at(90), AgentStatus.ACTIVE);

            for (long s = 100; s < 2 * 86_400; s += 7_919) {
                assertThat(overdue(at(s), 10)).as("at +" + s + "s").containsExactly("agent-002");
            }
            assertThat(overdue(at(2 * 86_400 + 1), 10)).containsExactlyInAnyOrder("agent-001", "agent-002");
        }

        @Test
        @Timeout(60)
        void staysCorrectUnderConcurrentHeartbeats() {
            int agents = 400;
            List<Agent> fleet = new ArrayList<>();
            for (int i = 0; i < agents; i++) {
                fleet.add(registerWithDeadline(String.format("agent-%03d", i), at(90), AgentStatus.ACTIVE));
            }
            int beaters = 4;
            race(beaters + 1, t -> () -> {
                if (t == beaters) {
                    for (int n = 0; n < 50; n++) {
                        store.findOverdue(at(100), agents);
                    }
                    return null;
                }
                for (int i = t; i < agents / 2; i += beaters) {
                    Agent a = fleet.get(i);
                    assertThat(store.recordHeartbeat(a.id(), a.version(), 1, 1, at(100), at(190), null))
                            .isEqualTo(HeartbeatWrite.ACCEPTED_NEW_EPOCH);
                }
                return null;
            });

            Set<String> expected = IntStream.range(agents / 2, agents).mapToObj(i -> fleet.get(i).id())
                    .collect(Collectors.toSet());
            assertThat(overdue(at(150), agents)).isEqualTo(expected);
            assertThat(overdue(at(191), agents)).hasSize(agents);
        }
    }

    @Nested
    @DisplayName("expiring agents")
    class Expiry {

        private Agent inactive(Agent a, Instant now) {
            return a.withStatus(AgentStatus.INACTIVE, InactiveReason.MISSED_HEARTBEATS, now);
        }

        @Test
        void expiresAnOverdueAgentWithTheNextVersion() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);
            long activeBefore = store.countAgents(AgentStatus.ACTIVE);

            Agent result = store.expireAgent(inactive(a, at(100)), a.version(), at(100)).orElseThrow();

            assertThat(result).isEqualTo(inactive(a, at(100)).withVersion(a.version() + 1));
            assertThat(stored("agent-001")).isEqualTo(result);
            assertThat(store.countAgents(AgentStatus.ACTIVE)).isEqualTo(activeBefore - 1);
            assertThat(store.countAgents(AgentStatus.INACTIVE)).isEqualTo(1);
        }

        @Test
        void ignoresTheLivenessOfTheArgument() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);
            AgentLiveness bogus = new AgentLiveness(at(1), 9, 9, at(9_999), null);

            Agent result = store.expireAgent(inactive(a, at(100)).withLiveness(bogus), a.version(), at(100))
                    .orElseThrow();

            assertThat(result.liveness()).isEqualTo(a.liveness());
        }

        @Test
        void versionMismatchWritesNothing() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);

            assertThat(store.expireAgent(inactive(a, at(100)), a.version() - 1, at(100))).isEmpty();
            assertThat(store.expireAgent(inactive(a, at(100)), a.version() + 1, at(100))).isEmpty();

            assertThat(stored("agent-001")).isEqualTo(a);
        }

        @Test
        void aDeadlineExtendedByAHeartbeatWritesNothing() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);
            List<Agent> found = store.findOverdue(at(100), 10);
            assertThat(found).hasSize(1);

            store.recordHeartbeat("agent-001", a.version(), 1, 1, at(100), at(190), null);

            assertThat(store.expireAgent(inactive(found.get(0), at(100)), a.version(), at(100))).isEmpty();
            assertThat(stored("agent-001").status()).isEqualTo(AgentStatus.ACTIVE);
        }

        @Test
        void aDeadlineNotBeforeNowWritesNothing() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);

            assertThat(store.expireAgent(inactive(a, at(90)), a.version(), at(90))).isEmpty();
            assertThat(store.expireAgent(inactive(a, at(50)), a.version(), at(50))).isEmpty();
            assertThat(stored("agent-001")).isEqualTo(a);
        }

        @Test
        void unknownAgentIsEmpty() {
            Agent ghost = TestAgents.newAgent("agent-404", T0).agent();

            assertThat(store.expireAgent(inactive(ghost, at(100)), 1, at(100))).isEmpty();
            assertThat(store.findAgent("agent-404")).isEmpty();
        }

        @Test
        @Timeout(60)
        void ofRacingExpiriesExactlyOneWins() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);
            int threads = 16;

            List<Optional<Agent>> results = race(threads, i ->
                    () -> store.expireAgent(inactive(a, at(100)), a.version(), at(100)));

            assertThat(results).filteredOn(Optional::isPresent).hasSize(1);
            assertThat(stored("agent-001").version()).isEqualTo(a.version() + 1);
            assertThat(store.countAgents(AgentStatus.INACTIVE)).isEqualTo(1);
        }

        @Test
        @Timeout(60)
        void ofAHeartbeatRacingAnExpiryExactlyOneTakesEffect() {
            int agents = 40;
            List<Agent> fleet = new ArrayList<>();
            for (int i = 0; i < agents; i++) {
                fleet.add(registerWithDeadline(String.format("agent-%03d", i), at(90), AgentStatus.ACTIVE));
            }
            for (Agent a : fleet) {
                List<Object> results = race(2, t -> () -> t == 0
                        ? store.recordHeartbeat(a.id(), a.version(), 1, 1, at(100), at(190), null)
                        : store.expireAgent(inactive(a, at(100)), a.version(), at(100)));
                boolean beat = accepted((HeartbeatWrite) results.get(0));
                boolean expired = ((Optional<?>) results.get(1)).isPresent();
                assertThat(beat ^ expired).as(a.id() + ": heartbeat " + results.get(0) + ", expired " + expired)
                        .isTrue();
                assertThat(stored(a.id()).status()).isEqualTo(expired ? AgentStatus.INACTIVE : AgentStatus.ACTIVE);
            }
        }
    }

    @Nested
    @DisplayName("grace period")
    class GracePeriod {

        @Test
        void movesEarlierDeadlinesOfLiveAgentsOnly() {
            Agent active = registerWithDeadline("agent-act", at(90), AgentStatus.ACTIVE);
            registerWithDeadline("agent-pen", at(60), AgentStatus.PENDING);
            Agent later = registerWithDeadline("agent-lat", at(500), AgentStatus.ACTIVE);
            Agent equal = registerWithDeadline("agent-eql", at(300), AgentStatus.ACTIVE);
            Agent inactive = registerWithDeadline("agent-ina", at(90), AgentStatus.INACTIVE);
            Agent revoked = registerWithDeadline("agent-rev", at(90), AgentStatus.REVOKED);

            assertThat(store.extendDeadlines(at(300))).isEqualTo(2);

            assertThat(stored("agent-act").liveness().deadline()).isEqualTo(at(300));
            assertThat(stored("agent-pen").liveness().deadline()).isEqualTo(at(300));
            assertThat(stored("agent-lat")).isEqualTo(later);
            assertThat(stored("agent-eql")).isEqualTo(equal);
            assertThat(stored("agent-ina")).isEqualTo(inactive);
            assertThat(stored("agent-rev")).isEqualTo(revoked);
            Agent extended = stored("agent-act");
            assertThat(extended.version()).isEqualTo(active.version());
            assertThat(extended.liveness().lastHeartbeatAt()).isEqualTo(active.liveness().lastHeartbeatAt());
            assertThat(extended.liveness().sequence()).isEqualTo(active.liveness().sequence());
        }

        @Test
        void extendedAgentsAreOverdueOnlyAfterTheNewDeadline() {
            registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);
            registerWithDeadline("agent-002", at(90), AgentStatus.PENDING);
            assertThat(store.findOverdue(at(100), 10)).hasSize(2);

            store.extendDeadlines(at(190));

            assertThat(store.findOverdue(at(100), 10)).isEmpty();
            assertThat(store.findOverdue(at(190), 10)).isEmpty();
            assertThat(ids(store.findOverdue(at(191), 10))).containsExactlyInAnyOrder("agent-001", "agent-002");
        }

        @Test
        void anExtendedAgentCannotBeExpiredWithItsOldDeadline() {
            Agent a = registerWithDeadline("agent-001", at(90), AgentStatus.ACTIVE);
            store.extendDeadlines(at(190));

            assertThat(store.expireAgent(a.withStatus(AgentStatus.INACTIVE, InactiveReason.MISSED_HEARTBEATS, at(100)),
                    a.version(), at(100))).isEmpty();
        }

        @Test
        void nothingToExtendIsZero() {
            assertThat(store.extendDeadlines(at(100))).isZero();
            registerWithDeadline("agent-001", at(500), AgentStatus.ACTIVE);
            assertThat(store.extendDeadlines(at(100))).isZero();
        }
    }

    @Nested
    @DisplayName("sweep bookkeeping")
    class Sweeps {

        @Test
        void firstSweepHasNoPredecessor() {
            assertThat(store.recordSweep(at(1))).isEmpty();
        }

        @Test
        void returnsThePreviousSweep() {
            store.recordSweep(at(1));

            assertThat(store.recordSweep(at(2))).contains(at(1));
            assertThat(store.recordSweep(at(3))).contains(at(2));
            assertThat(store.recordSweep(at(3))).contains(at(3));
        }

        @Test
        void neverGoesBackwards() {
            store.recordSweep(at(10));

            assertThat(store.recordSweep(at(5))).contains(at(10));
            assertThat(store.recordSweep(at(11))).as("the earlier sweep was not stored").contains(at(10));
        }

        @Test
        @Timeout(60)
        void concurrentSweepsKeepTheLatest() {
            int threads = 16;
            race(threads, i -> () -> store.recordSweep(at(100 + i)));

            assertThat(store.recordSweep(at(1))).contains(at(100 + threads - 1));
        }
    }

    @Nested
    @DisplayName("bounded reads")
    class BoundedReads {

        @Test
        void aLimitBelowOneIsRefusedAndChangesNothing() {
            store.insertToken(TestAgents.oneTimeToken("tok-expired", at(-2 * 86_400))); // prunable at at(1000)
            registerWithDeadline("agent-001", at(10), AgentStatus.ACTIVE);

            for (int limit : new int[] {0, -1, Integer.MIN_VALUE}) {
                assertThatThrownBy(() -> store.listTokens(null, limit)).as("listTokens %d", limit)
                        .isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> store.pruneTokens(at(1000), limit)).as("pruneTokens %d", limit)
                        .isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> store.findOverdue(at(100), limit)).as("findOverdue %d", limit)
                        .isInstanceOf(IllegalArgumentException.class);
            }
            assertThat(store.findToken("tok-expired")).as("not pruned").isPresent();
            assertThat(store.findOverdue(at(100), 10)).extracting(Agent::id).containsExactly("agent-001");
            assertThat(store.pruneTokens(at(1000), 10)).as("a valid limit prunes").isPositive();
            assertThat(store.findToken("tok-expired")).as("pruned now").isEmpty();
        }
    }

    @Nested
    @DisplayName("certificates")
    class Certificates {

        @Test
        void insertedCertificateIsFound() {
            register("agent-001");
            AgentCertificate renewal = TestAgents.certificate("agent-001", at(3600));

            store.insertCertificate(renewal);

            assertThat(store.findCertificate(renewal.serial())).contains(renewal);
        }

        @Test
        void revokedCertificateRoundTrips() {
            register("agent-001");
            AgentCertificate revoked = TestAgents.certificate("agent-001", at(3600)).withRevokedAt(at(4000));

            store.insertCertificate(revoked);

            assertThat(store.findCertificate(revoked.serial())).contains(revoked);
        }

        @Test
        void unknownSerialIsEmpty() {
            register("agent-001");

            assertThat(store.findCertificate("abcdef0123")).isEmpty();
        }

        @Test
        void duplicateSerialIsRefusedAndTheFirstIsKept() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            register(a);
            AgentCertificate clash = TestAgents.certificate("agent-001", a.certificate().serial(), at(3600),
                    at(7200));

            assertThatThrownBy(() -> store.insertCertificate(clash)).isInstanceOf(IllegalStateException.class);

            assertThat(store.findCertificate(a.certificate().serial())).contains(a.certificate());
            assertThat(store.findCertificates("agent-001")).containsExactly(a.certificate());
        }

        @Test
        void anAgentsCertificatesComeOldestFirst() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            register(a);
            register("agent-002");
            AgentCertificate second = TestAgents.certificate("agent-001", at(3600));
            AgentCertificate third = TestAgents.certificate("agent-001", at(7200));
            store.insertCertificate(second);
            store.insertCertificate(third);

            assertThat(store.findCertificates("agent-001")).containsExactly(a.certificate(), second, third);
            assertThat(store.findCertificates("agent-002")).hasSize(1);
            assertThat(store.findCertificates("agent-404")).isEmpty();
        }

        @Test
        void revokeReturnsOnlyNewlyRevokedSerials() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            register(a);
            TestAgents.NewAgent b = TestAgents.newAgent("agent-002", T0);
            register(b);
            AgentCertificate alreadyRevoked = TestAgents.certificate("agent-001", at(60)).withRevokedAt(at(70));
            AgentCertificate renewal = TestAgents.certificate("agent-001", at(3600));
            store.insertCertificate(alreadyRevoked);
            store.insertCertificate(renewal);

            List<String> revoked = store.revokeCertificates("agent-001", at(5000));

            assertThat(revoked).containsExactlyInAnyOrder(a.certificate().serial(), renewal.serial());
            assertThat(store.findCertificate(a.certificate().serial())).contains(a.certificate().withRevokedAt(at(5000)));
            assertThat(store.findCertificate(renewal.serial())).contains(renewal.withRevokedAt(at(5000)));
            assertThat(store.findCertificate(alreadyRevoked.serial())).as("first revocation kept")
                    .contains(alreadyRevoked);
            assertThat(store.findCertificate(b.certificate().serial())).as("other agent untouched")
                    .contains(b.certificate());

            assertThat(store.revokeCertificates("agent-001", at(6000))).isEmpty();
            assertThat(store.findCertificate(renewal.serial())).contains(renewal.withRevokedAt(at(5000)));
            assertThat(store.findCertificates("agent-001")).extracting(AgentCertificate::revokedAt)
                    .containsExactly(at(5000), at(70), at(5000));
        }

        @Test
        void revokingOneCertificateBySerialRevokesItOnceAndNothingElse() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            register(a);
            AgentCertificate renewal = TestAgents.certificate("agent-001", at(3600));
            store.insertCertificate(renewal);
            Agent before = stored("agent-001");

            assertThat(store.revokeCertificate(a.certificate().serial(), at(4000))).isTrue();

            assertThat(store.findCertificate(a.certificate().serial()))
                    .contains(a.certificate().withRevokedAt(at(4000)));
            assertThat(store.findCertificate(renewal.serial())).as("the agent's other certificate").contains(renewal);
            assertThat(stored("agent-001")).as("the agent record").isEqualTo(before);
            assertThat(store.revokeCertificate(a.certificate().serial(), at(5000))).as("already revoked").isFalse();
            assertThat(store.findCertificate(a.certificate().serial())).as("first revocation kept")
                    .contains(a.certificate().withRevokedAt(at(4000)));
            assertThat(store.revokeCertificate("00ff00ff00ff00ff", at(5000))).as("unknown serial").isFalse();
            assertThat(store.revokeCertificates("agent-001", at(6000))).as("only what was left")
                    .containsExactly(renewal.serial());
        }

        @Test
        void ofRacingRevocationsOfOneCertificateExactlyOneTakesEffect() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            register(a);

            List<Boolean> results = race(RACE_THREADS,
                    i -> () -> store.revokeCertificate(a.certificate().serial(), at(100 + i)));

            assertThat(results).filteredOn(Boolean::booleanValue).hasSize(1);
            assertThat(store.findCertificate(a.certificate().serial())).map(AgentCertificate::revokedAt).isPresent();
        }

        @Test
        void revokingCertificatesOfAnUnknownAgentIsEmpty() {
            assertThat(store.revokeCertificates("agent-404", at(10))).isEmpty();
        }

        @Test
        void revokingCertificatesDoesNotChangeTheAgent() {
            Agent a = register("agent-001");

            store.revokeCertificates("agent-001", at(10));

            assertThat(stored("agent-001")).isEqualTo(a);
        }
    }

    @Nested
    @DisplayName("re-enrolling agents")
    class Reenrollment {

        private Agent reenroll(Agent agent, String tokenId, AgentCertificate cert, long expectedVersion,
                Instant now) {
            return store.reenrollAgent(tokenId, TestAgents.redemption(agent.id(), now), now,
                    agent.withCertificates(cert.pin(), null), expectedVersion, cert).orElse(null);
        }

        @Test
        void consumesTheTokenRepinsTheAgentAndRecordsTheCertificateAtomically() {
            Agent agent = register("agent-001");
            String oldThumbprint = agent.certificate().thumbprint();
            store.insertToken(TestAgents.oneTimeToken("tok-re-001", at(7000)));
            AgentCertificate cert = TestAgents.certificate("agent-001", at(7200));

            Agent result = reenroll(agent, "tok-re-001", cert, agent.version(), at(7200));

            assertThat(result).isNotNull();
            assertThat(result.version()).isEqualTo(agent.version() + 1);
            assertThat(result.certificate()).isEqualTo(cert.pin());
            assertThat(stored("agent-001").certificate()).isEqualTo(cert.pin());
            assertThat(store.findToken("tok-re-001").orElseThrow().uses()).isEqualTo(1);
            assertThat(store.findCertificate(cert.serial())).contains(cert);
            assertThat(store.findAgentByThumbprint(cert.thumbprint())).map(Agent::id).contains("agent-001");
            assertThat(store.findAgentByThumbprint(oldThumbprint)).isEmpty();
        }

        @Test
        void aStaleVersionWritesNothing() {
            Agent agent = register("agent-001");
            changeStatus(agent, AgentStatus.ACTIVE);
            store.insertToken(TestAgents.oneTimeToken("tok-re-001", at(7000)));
            AgentCertificate cert = TestAgents.certificate("agent-001", at(7200));

            assertThat(reenroll(agent, "tok-re-001", cert, agent.version(), at(7200))).isNull();

            assertThat(store.findToken("tok-re-001").orElseThrow().uses()).isZero();
            assertThat(store.findCertificate(cert.serial())).isEmpty();
            assertThat(stored("agent-001").certificate()).isEqualTo(agent.certificate());
        }

        @Test
        void anUnusableTokenWritesNothing() {
            Agent agent = register("agent-001");
            store.insertToken(TestAgents.oneTimeToken("tok-re-001", T0)); // expires after a day
            AgentCertificate cert = TestAgents.certificate("agent-001", at(200_000));

            assertThat(reenroll(agent, "tok-re-001", cert, agent.version(), at(200_000))).isNull();
            assertThat(reenroll(agent, "tok-unknown1", cert, agent.version(), at(60))).isNull();

            assertThat(stored("agent-001").version()).isEqualTo(agent.version());
            assertThat(store.findCertificate(cert.serial())).isEmpty();
        }

        @Test
        void aDuplicateSerialIsRefusedAndNothingIsWritten() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            Agent agent = register(a);
            store.insertToken(TestAgents.oneTimeToken("tok-re-001", at(7000)));
            AgentCertificate clash = TestAgents.certificate("agent-001", a.certificate().serial(), at(7200),
                    at(9000));

            assertThatThrownBy(() -> reenroll(agent, "tok-re-001", clash, agent.version(), at(7200)))
                    .isInstanceOf(IllegalStateException.class);

            assertThat(store.findToken("tok-re-001").orElseThrow().uses()).isZero();
            assertThat(stored("agent-001").version()).isEqualTo(agent.version());
        }

        @Test
        void ofRacingReenrollmentsWithOneTokenExactlyOneWins() {
            Agent agent = register("agent-001");
            store.insertToken(TestAgents.oneTimeToken("tok-re-001", at(7000)));
            List<AgentCertificate> certs = new ArrayList<>();
            for (int i = 0; i < RACE_THREADS; i++) {
                certs.add(TestAgents.certificate("agent-001", at(7200)));
            }

            List<Boolean> won = race(RACE_THREADS,
                    i -> () -> reenroll(agent, "tok-re-001", certs.get(i), agent.version(), at(7200)) != null);

            assertThat(won).filteredOn(Boolean::booleanValue).hasSize(1);
            assertThat(store.findToken("tok-re-001").orElseThrow().uses()).isEqualTo(1);
            assertThat(store.findCertificates("agent-001")).hasSize(2);
        }
    }

    /**
     * The optional fast path: a store may always answer FALLBACK, but whatever else it answers must be exactly
     * what {@code recordHeartbeat} would have done.
     */
    @Nested
    @DisplayName("allowed capabilities (the token's scope kept on the agent)")
    class AllowedCapabilities {

        private Agent registerScoped(String agentId, String... allowed) {
            AgentCertificate cert = TestAgents.certificate(agentId, T0);
            Agent agent = TestAgents.agent(agentId, T0).certificate(cert.pin())
                    .capabilities(Capability.of("deploy-linux", "1.0")).allowedCapabilities(allowed).build();
            return register(new TestAgents.NewAgent(agent, cert));
        }

        @Test
        void registrationStoresTheAllowedSetAndEveryReadReturnsIt() {
            Agent registered = registerScoped("agent-001", "deploy-linux", "docker");

            assertThat(registered.allowedCapabilities()).containsExactlyInAnyOrder("deploy-linux", "docker");
            assertThat(stored("agent-001").allowedCapabilities()).containsExactlyInAnyOrder("deploy-linux", "docker");
            assertThat(store.findAgentByThumbprint(registered.certificate().thumbprint()).orElseThrow()
                    .allowedCapabilities()).containsExactlyInAnyOrder("deploy-linux", "docker");
            assertThat(store.findAgents(AgentQuery.builder().capability("deploy-linux").build()))
                    .singleElement().extracting(Agent::allowedCapabilities)
                    .isEqualTo(Set.of("deploy-linux", "docker"));
        }

        @Test
        void anEmptyAllowedSetStaysEmpty() {
            Agent registered = register("agent-001");
            assertThat(registered.allowedCapabilities()).isEmpty();

            Agent updated = store.updateAgent(registered.withCapabilities(Set.of(Capability.of("anything", "9"))),
                    registered.version()).orElseThrow();

            assertThat(updated.allowedCapabilities()).isEmpty();
            assertThat(stored("agent-001").allowedCapabilities()).isEmpty();
            assertThat(stored("agent-001").capabilities()).containsExactly(Capability.of("anything", "9"));
        }

        @Test
        void updatesKeepTheAllowedSet() {
            Agent registered = registerScoped("agent-001", "deploy-linux", "docker");

            Agent updated = store.updateAgent(registered.withStatus(AgentStatus.ACTIVE, null, at(5))
                    .withCapabilities(Set.of(Capability.of("docker", "24.0"))), registered.version()).orElseThrow();

            assertThat(updated.allowedCapabilities()).containsExactlyInAnyOrder("deploy-linux", "docker");
            assertThat(stored("agent-001")).isEqualTo(updated);
            assertThat(stored("agent-001").capabilities()).containsExactly(Capability.of("docker", "24.0"));
            assertThat(changeStatus(updated, AgentStatus.INACTIVE).allowedCapabilities())
                    .containsExactlyInAnyOrder("deploy-linux", "docker");
            assertThat(stored("agent-001").allowedCapabilities()).containsExactlyInAnyOrder("deploy-linux", "docker");
        }

        @Test
        void anUpdateWritesTheAllowedSetItIsGiven() {
            Agent registered = registerScoped("agent-001", "deploy-linux");
            Agent widened = new Agent(registered.id(), registered.name(), registered.status(),
                    registered.inactiveReason(), registered.capabilities(), Set.of("deploy-linux", "deploy-windows"),
                    registered.labels(), registered.agentVersion(), registered.health(), registered.certificate(),
                    registered.nextCertificate(), registered.registeredAt(), registered.statusChangedAt(),
                    registered.registrationTokenId(), registered.version(), registered.liveness());

            store.updateAgent(widened, registered.version()).orElseThrow();

            assertThat(stored("agent-001").allowedCapabilities())
                    .containsExactlyInAnyOrder("deploy-linux", "deploy-windows");
        }

        @Test
        void agentsWithEqualCapabilitiesButOtherScopesKeepTheirOwn() {
            registerScoped("agent-001", "deploy-linux");
            registerScoped("agent-002", "deploy-linux", "docker");
            registerScoped("agent-003");

            assertThat(stored("agent-001").allowedCapabilities()).containsExactly("deploy-linux");
            assertThat(stored("agent-002").allowedCapabilities()).containsExactlyInAnyOrder("deploy-linux", "docker");
            assertThat(stored("agent-003").allowedCapabilities()).isEmpty();
            assertThat(stored("agent-001").capabilities()).isEqualTo(stored("agent-003").capabilities());
        }

        @Test
        void reenrollmentKeepsTheAllowedSet() {
            Agent agent = registerScoped("agent-001", "deploy-linux");
            store.insertToken(TestAgents.oneTimeToken("tok-re-001", at(7000)));
            AgentCertificate cert = TestAgents.certificate("agent-001", at(7200));

            Agent result = store.reenrollAgent("tok-re-001", TestAgents.redemption("agent-001", at(7200)), at(7200),
                    agent.withCertificates(cert.pin(), null), agent.version(), cert).orElseThrow();

            assertThat(result.allowedCapabilities()).containsExactly("deploy-linux");
            assertThat(stored("agent-001").allowedCapabilities()).containsExactly("deploy-linux");
        }
    }
}
