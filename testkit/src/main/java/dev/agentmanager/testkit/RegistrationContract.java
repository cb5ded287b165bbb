package dev.agentmanager.testkit;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.TokenRedemption;
import dev.agentmanager.spi.IAgentStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The two operations {@link IAgentStore} adds to its roles: registration and re-enrollment, each one atomic step
 * over a token use, an agent and a certificate record (with races of real threads on one token).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class RegistrationContract extends StoreContract {

    /** A contract over the stores {@code factory} makes, one fresh store per test. */
    protected RegistrationContract(StoreFactory factory) {
        super(factory);
    }

    @Nested
    @DisplayName("registering agents")
    class Registration {

        @Test
        void writesTokenUseAgentAndCertificateTogether() {
            store.insertToken(TestAgents.oneTimeToken("tok-001", T0));
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", at(10));
            TokenRedemption redemption = new TokenRedemption(at(10), "agent-001", "cd".repeat(32), "203.0.113.5");

            assertThat(store.registerAgent("tok-001", redemption, at(10), a.agent(), a.certificate()))
                    .isTrue();

            RegistrationToken token = store.findToken("tok-001").orElseThrow();
            assertThat(token.redemptions()).containsExactly(redemption);
            assertThat(token.isExhausted()).isTrue();
            assertThat(store.findAgent("agent-001")).contains(a.agent());
            assertThat(store.findAgentByThumbprint(a.certificate().thumbprint()))
                    .contains(a.agent());
            assertThat(store.findCertificate(a.certificate().serial())).contains(a.certificate());
            assertThat(store.findCertificates("agent-001")).containsExactly(a.certificate());
            assertThat(store.countAgents(AgentStatus.PENDING)).isEqualTo(1);
        }

        private void assertNothingWritten(TestAgents.NewAgent a) {
            assertThat(store.findAgent(a.agent().id())).isEmpty();
            assertThat(store.findAgentByThumbprint(a.certificate().thumbprint()))
                    .isEmpty();
            assertThat(store.findCertificate(a.certificate().serial())).isEmpty();
            assertThat(store.findCertificates(a.agent().id())).isEmpty();
        }

        @Test
        void unknownTokenWritesNothing() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);

            assertThat(store.registerAgent(
                            "tok-404", TestAgents.redemption("agent-001", T0), T0, a.agent(), a.certificate()))
                    .isFalse();

            assertNothingWritten(a);
            assertThat(store.findToken("tok-404")).isEmpty();
            assertThat(store.countAgents(AgentStatus.PENDING)).isZero();
        }

        @Test
        void revokedTokenWritesNothing() {
            store.insertToken(TestAgents.oneTimeToken("tok-001", T0));
            store.revokeToken("tok-001", at(1));
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", at(2));

            assertThat(store.registerAgent(
                            "tok-001", TestAgents.redemption("agent-001", at(2)), at(2), a.agent(), a.certificate()))
                    .isFalse();

            assertNothingWritten(a);
            assertThat(store.findToken("tok-001").orElseThrow().redemptions()).isEmpty();
        }

        @Test
        void tokenExpiresAtItsExpiryInstant() {
            store.insertToken(
                    TestAgents.token("tok-001", T0).expiresAt(at(60)).maxUses(2).build());
            TestAgents.NewAgent late = TestAgents.newAgent("agent-002", at(60));
            TestAgents.NewAgent inTime = TestAgents.newAgent("agent-001", at(59));

            assertThat(store.registerAgent(
                            "tok-001",
                            TestAgents.redemption("agent-002", at(60)),
                            at(60),
                            late.agent(),
                            late.certificate()))
                    .as("at expiresAt")
                    .isFalse();
            assertNothingWritten(late);
            assertThat(store.findToken("tok-001").orElseThrow().redemptions()).isEmpty();

            Instant lastMilli = at(60).minusMillis(1);
            assertThat(store.registerAgent(
                            "tok-001",
                            TestAgents.redemption("agent-001", lastMilli),
                            lastMilli,
                            inTime.agent(),
                            inTime.certificate()))
                    .as("one millisecond before expiresAt")
                    .isTrue();
        }

        @Test
        void exhaustedTokenWritesNothing() {
            store.insertToken(TestAgents.oneTimeToken("tok-001", T0));
            TestAgents.NewAgent first = TestAgents.newAgent("agent-001", T0);
            TestAgents.NewAgent second = TestAgents.newAgent("agent-002", T0);
            assertThat(store.registerAgent(
                            "tok-001", TestAgents.redemption("agent-001", T0), T0, first.agent(), first.certificate()))
                    .isTrue();

            assertThat(store.registerAgent(
                            "tok-001",
                            TestAgents.redemption("agent-002", at(1)),
                            at(1),
                            second.agent(),
                            second.certificate()))
                    .isFalse();

            assertNothingWritten(second);
            assertThat(store.findToken("tok-001").orElseThrow().redemptions())
                    .extracting(TokenRedemption::agentId)
                    .containsExactly("agent-001");
        }

        @Test
        void duplicateAgentIdThrowsAndWritesNothing() {
            Agent existing = register("agent-001");
            store.insertToken(TestAgents.oneTimeToken("tok-002", T0));
            TestAgents.NewAgent dup = TestAgents.newAgent("agent-001", at(5));

            assertThatThrownBy(() -> store.registerAgent(
                            "tok-002",
                            TestAgents.redemption("agent-001", at(5)),
                            at(5),
                            dup.agent(),
                            dup.certificate()))
                    .isInstanceOf(IllegalStateException.class);

            assertThat(store.findToken("tok-002").orElseThrow().redemptions())
                    .as("token not consumed")
                    .isEmpty();
            assertThat(store.findAgent("agent-001")).contains(existing);
            assertThat(store.findCertificate(dup.certificate().serial())).isEmpty();
            assertThat(store.findAgentByThumbprint(dup.certificate().thumbprint()))
                    .isEmpty();
            assertThat(store.findCertificates("agent-001")).hasSize(1);
            assertThat(store.countAgents(AgentStatus.PENDING)).isEqualTo(1);
        }

        @Test
        void duplicateCertificateSerialThrowsAndWritesNothing() {
            TestAgents.NewAgent first = TestAgents.newAgent("agent-001", T0);
            register(first);
            store.insertToken(TestAgents.oneTimeToken("tok-002", T0));
            AgentCertificate sameSerial =
                    TestAgents.certificate("agent-002", first.certificate().serial(), T0, T0.plus(Duration.ofDays(1)));
            Agent second = TestAgents.agent("agent-002", T0)
                    .certificate(sameSerial.pin())
                    .build();

            assertThatThrownBy(() -> store.registerAgent(
                            "tok-002", TestAgents.redemption("agent-002", T0), T0, second, sameSerial))
                    .isInstanceOf(IllegalStateException.class);

            assertThat(store.findAgent("agent-002")).isEmpty();
            assertThat(store.findToken("tok-002").orElseThrow().redemptions())
                    .as("token not consumed")
                    .isEmpty();
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
            assertThat(store.findAgents(AgentQuery.all()))
                    .extracting(Agent::id)
                    .containsExactly("agent-001", "agent-002", "agent-003");
            assertThat(store.findAgent("agent-004")).isEmpty();
        }

        @Test
        void registrationKeepsTheTokensOtherState() {
            store.insertToken(TestAgents.token("tok-001", T0)
                    .maxUses(2)
                    .label("env", "prod")
                    .build());
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
                    .mapToObj(i -> TestAgents.newAgent(String.format("agent-%03d", i), T0))
                    .toList();

            List<Boolean> results = race(
                    RACE_THREADS,
                    i -> () -> store.registerAgent(
                            "tok-race",
                            TestAgents.redemption(candidates.get(i).agent().id(), T0),
                            T0,
                            candidates.get(i).agent(),
                            candidates.get(i).certificate()));

            assertThat(results).filteredOn(Boolean::booleanValue).hasSize(1);
            TestAgents.NewAgent winner = candidates.get(results.indexOf(true));
            assertThat(store.findAgents(AgentQuery.all())).containsExactly(winner.agent());
            assertThat(store.countAgents(AgentStatus.PENDING)).isEqualTo(1);
            assertThat(store.findToken("tok-race").orElseThrow().redemptions())
                    .extracting(TokenRedemption::agentId)
                    .containsExactly(winner.agent().id());
            for (TestAgents.NewAgent c : candidates) {
                assertThat(store.findCertificate(c.certificate().serial()).isPresent())
                        .as("certificate of " + c.agent().id())
                        .isEqualTo(c == winner);
            }
        }

        @Test
        @Timeout(60)
        void raceOnFiveUseTokenHasExactlyFiveWinners() {
            store.insertToken(TestAgents.token("tok-race", T0).maxUses(5).build());
            List<TestAgents.NewAgent> candidates = IntStream.range(0, RACE_THREADS)
                    .mapToObj(i -> TestAgents.newAgent(String.format("agent-%03d", i), T0))
                    .toList();

            List<Boolean> results = race(
                    RACE_THREADS,
                    i -> () -> store.registerAgent(
                            "tok-race",
                            TestAgents.redemption(candidates.get(i).agent().id(), T0),
                            T0,
                            candidates.get(i).agent(),
                            candidates.get(i).certificate()));

            Set<String> winners = IntStream.range(0, RACE_THREADS)
                    .filter(results::get)
                    .mapToObj(i -> candidates.get(i).agent().id())
                    .collect(Collectors.toSet());
            assertThat(winners).hasSize(5);
            assertThat(store.findAgents(AgentQuery.all()))
                    .extracting(Agent::id)
                    .containsExactlyInAnyOrderElementsOf(winners);
            assertThat(store.findToken("tok-race").orElseThrow().redemptions())
                    .extracting(TokenRedemption::agentId)
                    .containsExactlyInAnyOrderElementsOf(winners);
        }

        @Test
        @Timeout(60)
        void raceOnOneAgentIdWithManyTokensRegistersOnceAndConsumesOneToken() {
            int threads = 8;
            for (int i = 0; i < threads; i++) {
                store.insertToken(TestAgents.oneTimeToken("tok-" + i, T0));
            }
            List<TestAgents.NewAgent> candidates = IntStream.range(0, threads)
                    .mapToObj(i -> TestAgents.newAgent("agent-dup", T0))
                    .toList();

            List<String> outcomes = race(threads, i -> () -> {
                try {
                    return store.registerAgent(
                                    "tok-" + i,
                                    TestAgents.redemption("agent-dup", T0),
                                    T0,
                                    candidates.get(i).agent(),
                                    candidates.get(i).certificate())
                            ? "registered"
                            : "refused";
                } catch (IllegalStateException e) {
                    return "duplicate";
                }
            });

            assertThat(outcomes).filteredOn("registered"::equals).hasSize(1);
            assertThat(outcomes).filteredOn("duplicate"::equals).hasSize(threads - 1);
            int winner = outcomes.indexOf("registered");
            for (int i = 0; i < threads; i++) {
                assertThat(store.findToken("tok-" + i).orElseThrow().uses())
                        .as("uses of tok-" + i)
                        .isEqualTo(i == winner ? 1 : 0);
                assertThat(store.findCertificate(candidates.get(i).certificate().serial())
                                .isPresent())
                        .isEqualTo(i == winner);
            }
            assertThat(store.findAgent("agent-dup"))
                    .contains(candidates.get(winner).agent());
        }
    }

    @Nested
    @DisplayName("re-enrolling agents")
    class Reenrollment {

        private @Nullable Agent reenroll(
                Agent agent, String tokenId, AgentCertificate cert, long expectedVersion, Instant now) {
            return store.reenrollAgent(
                            tokenId,
                            TestAgents.redemption(agent.id(), now),
                            now,
                            agent.withCertificates(cert.pin(), null),
                            expectedVersion,
                            cert)
                    .orElse(null);
        }

        @Test
        void consumesTheTokenRepinsTheAgentAndRecordsTheCertificateAtomically() {
            Agent agent = register("agent-001");
            String oldThumbprint = agent.certificate().thumbprint();
            store.insertToken(TestAgents.oneTimeToken("tok-re-001", at(7000)));
            AgentCertificate cert = TestAgents.certificate("agent-001", at(7200));

            Agent result =
                    requireNonNull(reenroll(agent, "tok-re-001", cert, agent.version(), at(7200)), "re-enrolled");

            assertThat(result.version()).isEqualTo(agent.version() + 1);
            assertThat(result.certificate()).isEqualTo(cert.pin());
            assertThat(stored("agent-001").certificate()).isEqualTo(cert.pin());
            assertThat(store.findToken("tok-re-001").orElseThrow().uses()).isEqualTo(1);
            assertThat(store.findCertificate(cert.serial())).contains(cert);
            assertThat(store.findAgentByThumbprint(cert.thumbprint()))
                    .map(Agent::id)
                    .contains("agent-001");
            assertThat(store.findAgentByThumbprint(oldThumbprint)).isEmpty();
        }

        @Test
        void aStaleVersionWritesNothing() {
            Agent agent = register("agent-001");
            changeStatus(agent, AgentStatus.ACTIVE);
            store.insertToken(TestAgents.oneTimeToken("tok-re-001", at(7000)));
            AgentCertificate cert = TestAgents.certificate("agent-001", at(7200));

            assertThat(reenroll(agent, "tok-re-001", cert, agent.version(), at(7200)))
                    .isNull();

            assertThat(store.findToken("tok-re-001").orElseThrow().uses()).isZero();
            assertThat(store.findCertificate(cert.serial())).isEmpty();
            assertThat(stored("agent-001").certificate()).isEqualTo(agent.certificate());
        }

        @Test
        void anUnusableTokenWritesNothing() {
            Agent agent = register("agent-001");
            store.insertToken(TestAgents.oneTimeToken("tok-re-001", T0)); // expires after a day
            AgentCertificate cert = TestAgents.certificate("agent-001", at(200_000));

            assertThat(reenroll(agent, "tok-re-001", cert, agent.version(), at(200_000)))
                    .isNull();
            assertThat(reenroll(agent, "tok-unknown1", cert, agent.version(), at(60)))
                    .isNull();

            assertThat(stored("agent-001").version()).isEqualTo(agent.version());
            assertThat(store.findCertificate(cert.serial())).isEmpty();
        }

        @Test
        void aDuplicateSerialIsRefusedAndNothingIsWritten() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            Agent agent = register(a);
            store.insertToken(TestAgents.oneTimeToken("tok-re-001", at(7000)));
            AgentCertificate clash =
                    TestAgents.certificate("agent-001", a.certificate().serial(), at(7200), at(9000));

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

            List<Boolean> won = race(
                    RACE_THREADS,
                    i -> () -> reenroll(agent, "tok-re-001", certs.get(i), agent.version(), at(7200)) != null);

            assertThat(won).filteredOn(Boolean::booleanValue).hasSize(1);
            assertThat(store.findToken("tok-re-001").orElseThrow().uses()).isEqualTo(1);
            assertThat(store.findCertificates("agent-001")).hasSize(2);
        }
    }
}
