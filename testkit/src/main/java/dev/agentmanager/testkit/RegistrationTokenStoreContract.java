package dev.agentmanager.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.TokenRedemption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@link dev.agentmanager.spi.RegistrationTokenStore} role: inserting, finding, listing, revoking and pruning
 * tokens, and counting failed attempts atomically.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class RegistrationTokenStoreContract extends StoreContract {

    /** A contract over the stores {@code factory} makes, one fresh store per test. */
    protected RegistrationTokenStoreContract(StoreFactory factory) {
        super(factory);
    }

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
        void aTokenForARedemptionListsOnlyThatKeysRedemptionsButCountsEveryUse() {
            TokenRedemption first = new TokenRedemption(at(10), "agent-001", "aa".repeat(32), "198.51.100.7");
            TokenRedemption other = new TokenRedemption(at(20), "agent-002", "bb".repeat(32), null);
            TokenRedemption again = new TokenRedemption(at(30), "agent-003", "aa".repeat(32), null);
            RegistrationToken token = TestAgents.token("tok-001", T0)
                    .maxUses(5)
                    .redemption(first)
                    .redemption(other)
                    .redemption(again)
                    .build();
            store.insertToken(token);

            RegistrationToken byKey =
                    store.findTokenForRedemption("tok-001", "aa".repeat(32)).orElseThrow();
            assertThat(byKey.uses()).isEqualTo(3);
            assertThat(byKey.redemptions()).isSubsetOf(first, other, again).contains(first, again);
            assertThat(byKey.redemptionByKey("aa".repeat(32))).contains(again);
            assertThat(byKey.id()).isEqualTo(token.id());
            assertThat(byKey.secretHash()).isEqualTo(token.secretHash());
            assertThat(byKey.isExhausted()).isFalse();
            assertThat(store.findTokenForRedemption("tok-001", "cc".repeat(32))
                            .orElseThrow()
                            .uses())
                    .isEqualTo(3);
            assertThat(store.findTokenForRedemption("tok-404", "aa".repeat(32))).isEmpty();
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
            RegistrationToken first =
                    TestAgents.token("tok-001", T0).description("first").build();
            store.insertToken(first);
            RegistrationToken second = TestAgents.token("tok-001", at(5))
                    .description("second")
                    .maxUses(9)
                    .build();

            assertThatThrownBy(() -> store.insertToken(second)).isInstanceOf(IllegalStateException.class);
            assertThat(store.findToken("tok-001")).contains(first);
            assertThat(store.listTokens(null, 10)).containsExactly(first);
        }

        @Test
        void revokeSetsRevocationTimeOnce() {
            store.insertToken(TestAgents.oneTimeToken("tok-001", T0));

            assertThat(store.revokeToken("tok-001", at(10))).isTrue();
            assertThat(store.findToken("tok-001"))
                    .map(RegistrationToken::revokedAt)
                    .contains(at(10));

            assertThat(store.revokeToken("tok-001", at(20))).as("second revoke").isFalse();
            assertThat(store.findToken("tok-001"))
                    .map(RegistrationToken::revokedAt)
                    .contains(at(10));
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
            assertThat(store.registerAgent(
                            "tok-multi", TestAgents.redemption("agent-001", T0), T0, a.agent(), a.certificate()))
                    .isTrue();

            assertThat(store.revokeToken("tok-multi", at(10))).isTrue();
            RegistrationToken token = store.findToken("tok-multi").orElseThrow();
            assertThat(token.revokedAt()).isEqualTo(at(10));
            assertThat(token.uses()).isEqualTo(1);
        }

        @Test
        void revokeOfExpiredUnusedTokenIsTrue() {
            store.insertToken(TestAgents.token("tok-001", T0).expiresAt(at(60)).build());

            assertThat(store.revokeToken("tok-001", at(3600))).isTrue();
            assertThat(store.findToken("tok-001"))
                    .map(RegistrationToken::revokedAt)
                    .contains(at(3600));
        }

        @Test
        void failedAttemptsCountUp() {
            store.insertToken(TestAgents.oneTimeToken("tok-001", T0));
            store.insertToken(TestAgents.oneTimeToken("tok-002", T0));

            assertThat(store.recordFailedAttempt("tok-001")).isEqualTo(1);
            assertThat(store.recordFailedAttempt("tok-001")).isEqualTo(2);
            assertThat(store.recordFailedAttempt("tok-001")).isEqualTo(3);
            assertThat(store.recordFailedAttempt("tok-002")).isEqualTo(1);

            assertThat(store.findToken("tok-001"))
                    .map(RegistrationToken::failedAttempts)
                    .contains(3);
            assertThat(store.findToken("tok-002"))
                    .map(RegistrationToken::failedAttempts)
                    .contains(1);
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
            assertThat(all)
                    .as("every increment returns a distinct new count")
                    .containsExactlyElementsOf(IntStream.rangeClosed(1, threads * perThread)
                            .boxed()
                            .toList());
            assertThat(store.findToken("tok-001"))
                    .map(RegistrationToken::failedAttempts)
                    .contains(threads * perThread);
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
            return store.listTokens(afterId, limit).stream()
                    .map(RegistrationToken::id)
                    .collect(Collectors.toList());
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
            assertThat(store.registerAgent(
                            tokenId, TestAgents.redemption(agentId, when), when, a.agent(), a.certificate()))
                    .isTrue();
        }

        private Set<String> remaining() {
            return store.listTokens(null, 1000).stream()
                    .map(RegistrationToken::id)
                    .collect(Collectors.toSet());
        }

        @Test
        void deletesExactlyTheTokensThatCanNoLongerRegisterAndAreOlderThanTheCutoff() {
            Instant justBefore = cutoff.minusMillis(1);
            Instant justAfter = cutoff.plusMillis(1);
            store.insertToken(
                    TestAgents.token("p-expired", T0).expiresAt(justBefore).build());
            store.insertToken(
                    TestAgents.token("k-expires", T0).expiresAt(justAfter).build());
            store.insertToken(
                    TestAgents.token("k-expatcut", T0).expiresAt(cutoff).build());
            store.insertToken(
                    TestAgents.token("k-live", T0).expiresAt(farFuture).build());

            store.insertToken(
                    TestAgents.token("p-revoked", T0).expiresAt(farFuture).build());
            store.revokeToken("p-revoked", justBefore);
            store.insertToken(
                    TestAgents.token("k-revoked", T0).expiresAt(farFuture).build());
            store.revokeToken("k-revoked", justAfter);

            store.insertToken(
                    TestAgents.token("p-used", T0).expiresAt(farFuture).build());
            use("p-used", "agent-001", justBefore);
            store.insertToken(
                    TestAgents.token("k-used", T0).expiresAt(farFuture).build());
            use("k-used", "agent-002", justAfter);

            store.insertToken(TestAgents.token("k-partial", T0)
                    .expiresAt(farFuture)
                    .maxUses(3)
                    .build());
            use("k-partial", "agent-003", at(86_400));
            store.insertToken(TestAgents.token("p-multi", T0)
                    .expiresAt(farFuture)
                    .maxUses(2)
                    .build());
            use("p-multi", "agent-004", at(86_400));
            use("p-multi", "agent-005", justBefore);
            store.insertToken(TestAgents.token("k-multi", T0)
                    .expiresAt(farFuture)
                    .maxUses(2)
                    .build());
            use("k-multi", "agent-006", at(86_400));
            use("k-multi", "agent-007", justAfter);

            int deleted = store.pruneTokens(cutoff, 100);

            assertThat(remaining())
                    .containsExactlyInAnyOrder(
                            "k-expires", "k-expatcut", "k-live", "k-revoked", "k-used", "k-partial", "k-multi");
            assertThat(deleted).isEqualTo(4);
            assertThat(store.findToken("p-expired")).isEmpty();
            assertThat(store.findToken("p-used")).isEmpty();
            assertThat(store.pruneTokens(cutoff, 100))
                    .as("nothing left to prune")
                    .isZero();
        }

        @Test
        void pruningDoesNotTouchAgentsOrCertificates() {
            store.insertToken(
                    TestAgents.token("p-used", T0).expiresAt(farFuture).build());
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            store.registerAgent("p-used", TestAgents.redemption("agent-001", T0), T0, a.agent(), a.certificate());

            assertThat(store.pruneTokens(cutoff, 100)).isEqualTo(1);

            assertThat(store.findAgent("agent-001")).contains(a.agent());
            assertThat(store.findCertificate(a.certificate().serial())).contains(a.certificate());
        }

        @Test
        void deletesAtMostLimitPerCall() {
            for (int i = 1; i <= 5; i++) {
                store.insertToken(
                        TestAgents.token("p-expired-" + i, T0).expiresAt(at(60)).build());
            }
            store.insertToken(
                    TestAgents.token("k-live", T0).expiresAt(farFuture).build());

            assertThat(store.pruneTokens(cutoff, 2)).isEqualTo(2);
            assertThat(remaining()).hasSize(4);
            assertThat(store.pruneTokens(cutoff, 2)).isEqualTo(2);
            assertThat(store.pruneTokens(cutoff, 2)).isEqualTo(1);
            assertThat(store.pruneTokens(cutoff, 2)).isZero();
            assertThat(remaining()).containsExactly("k-live");
        }
    }
}
