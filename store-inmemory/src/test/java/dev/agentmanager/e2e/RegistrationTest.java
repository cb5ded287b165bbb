package dev.agentmanager.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentmanager.TokenSettings;
import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.exception.CertificateIssuanceException;
import dev.agentmanager.exception.InvalidCertificateRequestException;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.exception.RegistrationTokenNotFoundException;
import dev.agentmanager.exception.RegistrationTokenRejectedException;
import dev.agentmanager.exception.TokenRejectionReason;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.CreatedRegistrationToken;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.testkit.FakeCertificateService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RegistrationTest {
    private final Fleet fleet = new Fleet();

    @Test
    void theStoredTokenHoldsOnlyAHashAndListingNeverShowsTheSecret() {
        CreatedRegistrationToken created = fleet.manager.createToken(RegistrationTokenRequest.oneTime("web"));
        String secret = created.plaintext().substring(created.plaintext().indexOf('.') + 1);

        RegistrationToken stored = fleet.manager.findToken(created.token().id()).orElseThrow();
        assertThat(stored.secretHash()).doesNotContain(secret);
        assertThat(fleet.manager.listTokens(null, 10))
                .singleElement()
                .satisfies(t -> assertThat(t.toString()).doesNotContain(secret));
        assertThat(created.toString()).doesNotContain(secret);
        assertThat(created.trustAnchorSha256()).isEqualTo(fleet.ca.trustBundle().rootSha256());
        assertThat(stored.expiresAt()).isEqualTo(Fleet.T0.plus(TokenSettings.DEFAULT_TIME_TO_LIVE));
    }

    @Test
    void everyTokenFailureLooksTheSameFromOutsideButTheEventSaysWhy() {
        String used = fleet.oneTimeToken();
        fleet.manager.register(fleet.request(used, "a").build());
        CreatedRegistrationToken revoked = fleet.manager.createToken(RegistrationTokenRequest.oneTime("r"));
        fleet.manager.revokeToken(revoked.token().id());
        CreatedRegistrationToken expiring = fleet.manager.createToken(RegistrationTokenRequest.builder()
                .timeToLive(Duration.ofMinutes(1))
                .build());
        String wrongSecret = fleet.oneTimeToken();
        wrongSecret = wrongSecret.substring(0, wrongSecret.length() - 1) + (wrongSecret.endsWith("A") ? "B" : "A");
        String unknown = "AAAAAAAAAAAAAAAA." + "B".repeat(43);
        fleet.clock.advance(Duration.ofMinutes(2));

        List<RegistrationTokenRejectedException> failures = new ArrayList<>();
        for (String token : List.of(used, revoked.plaintext(), expiring.plaintext(), wrongSecret, unknown, "junk")) {
            failures.add(catchThrowableOfType(
                    RegistrationTokenRejectedException.class,
                    () -> fleet.manager.register(fleet.request(token, "b").build())));
        }

        // one type and one message for every reason, so that no host can tell them apart by class
        assertThat(failures)
                .allSatisfy(e -> assertThat(e)
                        .hasMessage(RegistrationTokenRejectedException.MESSAGE)
                        .hasNoCause()
                        .hasSameClassAs(failures.get(0)));
        assertThat(failures)
                .extracting(RegistrationTokenRejectedException::reason)
                .containsExactly(
                        TokenRejectionReason.USED,
                        TokenRejectionReason.REVOKED,
                        TokenRejectionReason.EXPIRED,
                        TokenRejectionReason.WRONG_SECRET,
                        TokenRejectionReason.UNKNOWN,
                        TokenRejectionReason.MALFORMED);
        assertThat(fleet.events.events(AgentEvent.RegistrationRejected.class))
                .extracting(AgentEvent.RegistrationRejected::reason)
                .containsExactly(
                        TokenRejectionReason.USED,
                        TokenRejectionReason.REVOKED,
                        TokenRejectionReason.EXPIRED,
                        TokenRejectionReason.WRONG_SECRET,
                        TokenRejectionReason.UNKNOWN,
                        TokenRejectionReason.MALFORMED);
        assertThat(fleet.manager.findAgents(AgentQuery.all())).hasSize(1);
    }

    @Test
    void tooManyWrongSecretsLockTheTokenEvenForTheRightSecret() {
        String token = fleet.oneTimeToken();
        String wrong = token.substring(0, token.length() - 1) + (token.endsWith("A") ? "B" : "A");
        for (int i = 0; i < TokenSettings.DEFAULT_MAX_FAILED_ATTEMPTS; i++) {
            assertThatThrownBy(() ->
                            fleet.manager.register(fleet.request(wrong, "x").build()))
                    .isInstanceOf(RegistrationTokenRejectedException.class);
        }

        assertThatThrownBy(
                        () -> fleet.manager.register(fleet.request(token, "x").build()))
                .isInstanceOf(RegistrationTokenRejectedException.class);
        assertThat(fleet.events.last(AgentEvent.RegistrationRejected.class).reason())
                .isEqualTo(TokenRejectionReason.LOCKED);
        assertThat(fleet.events.single(AgentEvent.TokenLocked.class).failedAttempts())
                .isEqualTo(TokenSettings.DEFAULT_MAX_FAILED_ATTEMPTS);
    }

    @Test
    void aFailedCertificateIssueDoesNotBurnTheToken() {
        String token = fleet.oneTimeToken();
        fleet.ca.failNextIssue(new IllegalStateException("HSM unavailable"));

        assertThatThrownBy(
                        () -> fleet.manager.register(fleet.request(token, "web").build()))
                .isInstanceOf(CertificateIssuanceException.class);
        assertThat(fleet.manager.findAgents(AgentQuery.all())).isEmpty();

        Registration registration =
                fleet.manager.register(fleet.request(token, "web").build());
        assertThat(registration.replayed()).isFalse();
    }

    @Test
    void aRetryWithTheSameKeyWithinTheGraceWindowGetsTheSameAgentAndCertificate() {
        String token = fleet.oneTimeToken();
        Registration first = fleet.manager.register(fleet.request(token, "web").build());
        fleet.clock.advance(Duration.ofMinutes(4));

        Registration retry = fleet.manager.register(fleet.request(token, "web").build());

        assertThat(retry.replayed()).isTrue();
        assertThat(retry.agent().id()).isEqualTo(first.agent().id());
        assertThat(retry.certificate()).isEqualTo(first.certificate());
        assertThat(fleet.ca.issuedCount()).isEqualTo(1);
        assertThat(fleet.manager.findAgents(AgentQuery.all())).hasSize(1);
        // another key is not a retry
        assertThatThrownBy(() ->
                        fleet.manager.register(fleet.request(token, "other-key").build()))
                .isInstanceOf(RegistrationTokenRejectedException.class);
        // and after the grace window the same key is refused too
        fleet.clock.advance(Duration.ofMinutes(2));
        assertThatThrownBy(
                        () -> fleet.manager.register(fleet.request(token, "web").build()))
                .isInstanceOf(RegistrationTokenRejectedException.class);
    }

    @Test
    void aMultiUseTokenRecordsEveryRedemptionAndStopsAtItsLimit() {
        CreatedRegistrationToken token = fleet.manager.createToken(RegistrationTokenRequest.builder()
                .description("bulk")
                .maxUses(3)
                .build());
        for (int i = 0; i < 3; i++) {
            fleet.manager.register(fleet.request(token.plaintext(), "node-" + i)
                    .remoteAddress("10.0.0." + i)
                    .build());
        }

        assertThatThrownBy(() -> fleet.manager.register(
                        fleet.request(token.plaintext(), "node-3").build()))
                .isInstanceOf(RegistrationTokenRejectedException.class);
        RegistrationToken stored = fleet.manager.findToken(token.token().id()).orElseThrow();
        assertThat(stored.redemptions())
                .extracting(r -> r.remoteAddress())
                .containsExactly("10.0.0.0", "10.0.0.1", "10.0.0.2");
        assertThat(fleet.events.events(AgentEvent.TokenConsumed.class))
                .extracting(AgentEvent.TokenConsumed::usesLeft)
                .containsExactly(2, 1, 0);
    }

    @Test
    void theTokenScopeGivesLabelsAndLimitsCapabilities() {
        CreatedRegistrationToken token = fleet.manager.createToken(RegistrationTokenRequest.builder()
                .label("env", "prod")
                .allowCapabilities("docker", "compose")
                .build());

        assertThatThrownBy(() -> fleet.manager.register(fleet.request(token.plaintext(), "web")
                        .capability("ssh")
                        .build()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("ssh");
        Registration registration = fleet.manager.register(fleet.request(token.plaintext(), "web")
                .capability("docker", "24")
                .label("env", "dev")
                .label("zone", "a")
                .build());

        assertThat(registration.agent().labels()).containsEntry("env", "prod").containsEntry("zone", "a");
    }

    @Test
    void badInputIsRefusedWithATypedErrorAndChangesNothing() {
        String token = fleet.oneTimeToken();
        List<RegistrationRequest> bad = List.of(
                fleet.request(token, "bad\u0000name").build(),
                fleet.request(token, " ").build(),
                fleet.request(token, "x".repeat(500)).build(),
                fleet.request(token, "web").capability("bad capability").build(),
                fleet.request(token, "web").label("k", "v\nv").build(),
                RegistrationRequest.builder()
                        .token(token)
                        .csr(new byte[0])
                        .name("web")
                        .build());

        for (RegistrationRequest request : bad) {
            assertThatThrownBy(() -> fleet.manager.register(request)).isInstanceOf(InvalidRequestException.class);
        }
        assertThatThrownBy(() -> fleet.manager.register(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> fleet.manager.register(RegistrationRequest.builder()
                        .token(token)
                        .csr(new byte[FakeCertificateService.MAX_REQUEST_BYTES + 1])
                        .name("web")
                        .build()))
                .isInstanceOf(InvalidCertificateRequestException.class);
        assertThatThrownBy(() -> fleet.manager.createToken(
                        RegistrationTokenRequest.builder().maxUses(0).build()))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> fleet.manager.createToken(RegistrationTokenRequest.builder()
                        .timeToLive(Duration.ofDays(365))
                        .build()))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> fleet.manager.revokeToken("AAAAAAAAAAAAAAAA"))
                .isInstanceOf(RegistrationTokenNotFoundException.class);

        assertThat(fleet.manager.findAgents(AgentQuery.all())).isEmpty();
        assertThat(fleet.ca.issuedCount()).isZero();
        assertThat(fleet.manager
                        .register(fleet.request(token, "web").build())
                        .agent()
                        .name())
                .isEqualTo("web");
    }

    @Test
    void expiredAndUsedTokensArePrunedAfterRetention() {
        fleet.register("a"); // used
        fleet.manager.createToken(RegistrationTokenRequest.builder()
                .timeToLive(Duration.ofHours(1))
                .build());
        CreatedRegistrationToken live = fleet.manager.createToken(RegistrationTokenRequest.builder()
                .timeToLive(Duration.ofDays(30))
                .build());

        assertThat(fleet.manager.pruneTokens()).isZero();
        fleet.clock.advance(TokenSettings.DEFAULT_RETENTION.plusHours(2));

        assertThat(fleet.manager.pruneTokens()).isEqualTo(2);
        assertThat(fleet.manager.listTokens(null, 10))
                .extracting(RegistrationToken::id)
                .containsExactly(live.token().id());
    }

    @Test
    void thirtyTwoThreadsRacingOnOneTokenRegisterExactlyOneAgent() throws Exception {
        String token = fleet.oneTimeToken();
        int threads = 32;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Registration>> results = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            String name = "racer-" + i;
            results.add(pool.submit(() -> {
                start.await();
                return fleet.manager.register(fleet.request(token, name).build());
            }));
        }
        start.countDown();
        int won = 0;
        int rejected = 0;
        for (Future<Registration> f : results) {
            try {
                f.get(30, TimeUnit.SECONDS);
                won++;
            } catch (java.util.concurrent.ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(RegistrationTokenRejectedException.class);
                rejected++;
            }
        }
        pool.shutdown();

        assertThat(won).isEqualTo(1);
        assertThat(rejected).isEqualTo(threads - 1);
        assertThat(fleet.manager.findAgents(AgentQuery.all())).hasSize(1);
        // certificates signed for losers never reached the store, so they are not valid
        assertThat(fleet.ca.issuedCertificates().stream()
                        .filter(c -> fleet.manager
                                .certificateValidity()
                                .check(c.thumbprint())
                                .isCurrent()))
                .hasSize(1);
    }
}
