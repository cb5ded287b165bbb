package dev.agentmanager.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.agentmanager.AgentManager;
import dev.agentmanager.exception.AgentManagerException;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.model.TokenScope;
import dev.agentmanager.spi.IAgentStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Random and mutated inputs through the public API, over a store of your choice: every refusal must be an
 * {@link AgentManagerException} (an {@link IllegalArgumentException} or {@link NullPointerException} only where a
 * model's own constructor refuses the input, before the manager sees it), a refusal must change nothing
 * stored, and an accepted call must change only what it names, as its meaning says ({@code Model}: a revoke leaves
 * its agent REVOKED and every other agent and token as it was, a registration adds one PENDING agent and one
 * use of its token, ...). Extend it like {@link AgentStoreContractTest}.
 *
 * <p>{@code -Dagentmanager.fuzz.inputs=N} sets how many inputs a run tries (default 1,000, seconds in
 * {@code mvn verify}; run 100,000 on demand); {@code -Dagentmanager.fuzz.seed=S} replays a run, whose seed is
 * printed at its start and in every failure.
 */
@Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
public abstract class AgentManagerFuzzTest {
    private static final String[] NASTY = {
        "",
        " ",
        "\u0000",
        "a\u0000b",
        "\udc00\ud800",
        "\ud83d\ude00",
        "İstanbul",
        "x".repeat(128),
        "x".repeat(10_000),
        "../../etc/passwd",
        "'; DROP TABLE agents; --",
        "\"}",
        "\t\n",
        "AAAAAAAAAAAAAAAA.",
        "é"
    };
    private static final Instant[] TIMES = {
        Instant.MIN,
        Instant.MAX,
        Instant.EPOCH,
        Instant.parse("-1000000000-01-01T00:00:00Z"),
        Instant.parse("1730-01-01T00:00:00Z"),
        Instant.parse("9999-12-31T23:59:59Z")
    };
    private static final long[] LONGS = {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE, Integer.MAX_VALUE};

    /** A new, empty store. */
    protected abstract IAgentStore createStore(Clock clock);

    /** Releases what {@link #createStore} opened; does nothing by default. */
    protected void disposeStore(IAgentStore store) {}

    /**
     * Brings work the store does in the background to an end before a snapshot (a buffering store flushes), so
     * that only the call under test can change what the snapshot sees. Does nothing by default.
     */
    protected void settle(IAgentStore store) {}

    @Test
    void everyRefusalIsTypedAndChangesNothing() {
        long seed = Long.getLong("agentmanager.fuzz.seed", System.nanoTime());
        int inputs = Integer.getInteger("agentmanager.fuzz.inputs", 1_000);
        System.out.println("fuzz: seed " + seed + ", " + inputs + " inputs (-Dagentmanager.fuzz.seed to replay)");
        Random random = new Random(seed);
        MutableClock clock = MutableClock.at(MutableClock.DEFAULT_START);
        IAgentStore store = createStore(clock);
        try (AgentManager manager = AgentManager.builder()
                .store(store)
                .certificateService(new FakeCertificateService(clock))
                .clock(clock)
                // one process: a short bound keeps each revoke on a shared store from waiting seconds
                .revocationPropagation(Duration.ofMillis(20))
                .build()) {
            Fixture fixture = new Fixture(manager, random);
            Map<String, Integer> outcomes = new TreeMap<>();
            for (int i = 0; i < inputs; i++) {
                Input input = fixture.next();
                settle(store);
                Map<String, Object> before = snapshot(manager);
                String outcome;
                try {
                    input.call().run();
                    outcome = "accepted";
                    settle(store);
                    Model.checkAccepted(input, before, snapshot(manager), "seed " + seed + ", input " + i);
                } catch (AgentManagerException e) {
                    outcome = e.getClass().getSimpleName();
                    settle(store);
                    assertThat(snapshot(manager))
                            .as(
                                    "seed %d, input %d (%s): refused with %s but changed the store",
                                    seed, i, input.name(), e)
                            .isEqualTo(before);
                } catch (RuntimeException e) {
                    fail("seed " + seed + ", input " + i + " (" + input.name() + "): untyped " + e, e);
                    return;
                }
                outcomes.merge(input.name() + " -> " + outcome, 1, Integer::sum);
                clock.advance(Duration.ofMillis(random.nextInt(2_000)));
            }
            System.out.println("fuzz outcomes: " + outcomes);
        } finally {
            disposeStore(store);
        }
    }

    /** What a refusal must leave alone: every agent and token (failed attempts excepted: they count refusals). */
    private static Map<String, Object> snapshot(AgentManager manager) {
        Map<String, Object> state = new TreeMap<>();
        for (Agent a : manager.findAgents(
                AgentQuery.builder().limit(AgentQuery.MAX_LIMIT).build())) {
            state.put("agent " + a.id(), a);
        }
        for (RegistrationToken t : manager.listTokens(null, 10_000)) {
            state.put("token " + t.id(), t.withFailedAttempts(0));
        }
        return state;
    }

    /**
     * One call through the API, named for the outcome counts.
     *
     * @param target the agent or token id the call names, if any
     */
    record Input(String name, Runnable call, @Nullable String target) {
        Input(String name, Runnable call) {
            this(name, call, null);
        }
    }

    /** Valid state to mutate (tokens, agents) and the random choices. */
    private static final class Fixture {
        private final AgentManager manager;
        private final Random random;
        private final List<String> tokens = new ArrayList<>();
        private final List<Registration> agents = new ArrayList<>();
        private long sequence;

        Fixture(AgentManager manager, Random random) {
            this.manager = manager;
            this.random = random;
            manager.timeoutMonitor().runOnce();
            for (int i = 0; i < 3; i++) {
                tokens.add(manager.createToken(RegistrationTokenRequest.oneTime("fuzz"))
                        .plaintext());
            }
        }

        Input next() {
            return switch (random.nextInt(9)) {
                case 0 -> createToken();
                case 1 -> register();
                case 2 -> heartbeat();
                case 3 -> call("revoke", manager::revoke, id());
                case 4 -> call("deactivate", manager::deactivate, id());
                case 5 -> call("reactivate", manager::reactivate, id());
                case 6 -> call("findAgent", manager::findAgent, id());
                case 7 -> call("revokeToken", manager::revokeToken, id());
                default -> {
                    String id = id();
                    String thumbprint = text();
                    byte[] csr = bytes();
                    yield new Input("renewCertificate", () -> manager.renewCertificate(id, thumbprint, csr), id);
                }
            };
        }

        private Input call(String name, java.util.function.Consumer<String> operation, String argument) {
            return new Input(name, () -> operation.accept(argument), argument);
        }

        private Input createToken() {
            RegistrationTokenRequest request;
            try {
                request = new RegistrationTokenRequest(text(), duration(), TokenScope.UNRESTRICTED, anyInt());
            } catch (IllegalArgumentException refusedByTheModel) {
                return new Input("createToken(model refused)", () -> {});
            }
            return new Input(
                    "createToken", () -> tokens.add(manager.createToken(request).plaintext()));
        }

        private Input register() {
            String token = random.nextBoolean() && !tokens.isEmpty() ? pick(tokens) : text();
            byte[] csr = random.nextBoolean() ? FakeCertificateService.csrFor("key-" + random.nextInt(50)) : bytes();
            RegistrationRequest request;
            try {
                request = RegistrationRequest.builder()
                        .token(token)
                        .csr(csr)
                        .name(text())
                        .build();
            } catch (IllegalArgumentException refusedByTheModel) {
                return new Input("register(model refused)", () -> {});
            }
            // a wrong secret counts towards the token's lock-out, which the snapshot leaves out
            int dot = token.indexOf('.');
            return new Input(
                    "register", () -> agents.add(manager.register(request)), dot > 0 ? token.substring(0, dot) : null);
        }

        private Input heartbeat() {
            boolean known = !agents.isEmpty() && random.nextInt(4) > 0;
            Registration r = known ? pick(agents) : null;
            String id = r != null ? r.agent().id() : text();
            String thumbprint =
                    r != null && random.nextBoolean() ? r.certificate().thumbprint() : text();
            Heartbeat.Builder b = Heartbeat.builder(id, thumbprint)
                    .bootEpoch(random.nextBoolean() ? 1 : pick(LONGS))
                    .sequence(random.nextBoolean() ? ++sequence : pick(LONGS));
            if (random.nextBoolean()) {
                b.agentTime(random.nextBoolean() ? pick(TIMES) : Instant.now());
            }
            Heartbeat heartbeat;
            try {
                heartbeat = b.build();
            } catch (IllegalArgumentException refusedByTheModel) {
                return new Input("heartbeat(model refused)", () -> {});
            }
            return new Input("heartbeat", () -> manager.heartbeatProcessor().process(heartbeat), id);
        }

        private String id() {
            return !agents.isEmpty() && random.nextBoolean()
                    ? pick(agents).agent().id()
                    : text();
        }

        private String text() {
            return random.nextBoolean() ? pick(NASTY) : Long.toHexString(random.nextLong());
        }

        private byte[] bytes() {
            byte[] b = new byte[random.nextInt(64)];
            random.nextBytes(b);
            return b;
        }

        private Duration duration() {
            return Duration.ofSeconds(pick(new long[] {-1, 0, 1, 3_600, Long.MAX_VALUE / 2_000_000_000L}));
        }

        private int anyInt() {
            return (int) pick(new long[] {Integer.MIN_VALUE, -1, 0, 1, 2, 10_001, Integer.MAX_VALUE});
        }

        private <T> T pick(List<T> values) {
            return values.get(random.nextInt(values.size()));
        }

        private <T> T pick(T[] values) {
            return values[random.nextInt(values.length)];
        }

        private long pick(long[] values) {
            return values[random.nextInt(values.length)];
        }
    }
}
