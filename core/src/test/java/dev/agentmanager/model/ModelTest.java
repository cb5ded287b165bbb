package dev.agentmanager.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ModelTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final CertificatePin PIN = new CertificatePin("1a", "ab".repeat(32), T0, T0.plus(Duration.ofDays(1)));

    static Agent agent(AgentStatus status, InactiveReason reason) {
        return new Agent(
                "a1",
                "web",
                status,
                reason,
                Set.of(Capability.of("docker", "24.0")),
                Set.of(),
                Map.of("env", "prod"),
                null,
                AgentHealth.UNKNOWN,
                PIN,
                null,
                T0,
                T0,
                null,
                1,
                AgentLiveness.awaitingFirstHeartbeat(T0));
    }

    static Agent scoped(Set<String> allowed, Capability... capabilities) {
        return new Agent(
                "a1",
                "web",
                AgentStatus.PENDING,
                null,
                Set.of(capabilities),
                allowed,
                Map.of(),
                null,
                AgentHealth.UNKNOWN,
                PIN,
                null,
                T0,
                T0,
                null,
                1,
                AgentLiveness.awaitingFirstHeartbeat(T0));
    }

    @Test
    void capabilitiesStayWithinTheAllowedSet() {
        Agent agent = scoped(Set.of("deploy-linux"), Capability.of("deploy-linux", "1.0"));
        assertThat(agent.allowedCapabilities()).containsExactly("deploy-linux");
        assertThat(agent.allowsCapability("deploy-linux")).isTrue();
        assertThat(agent.allowsCapability("deploy-windows")).isFalse();
        assertThat(agent.withCapabilities(Set.of()).allowedCapabilities()).containsExactly("deploy-linux");
        assertThat(agent.withStatus(AgentStatus.ACTIVE, null, T0).allowedCapabilities())
                .containsExactly("deploy-linux");
        assertThatThrownBy(() -> agent.withCapabilities(Set.of(Capability.of("deploy-windows"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("deploy-windows");
        assertThatThrownBy(() -> scoped(Set.of("a"), Capability.of("b"))).isInstanceOf(IllegalArgumentException.class);
        Agent unscoped = scoped(Set.of(), Capability.of("anything"));
        assertThat(unscoped.allowsCapability("whatever")).isTrue();
        assertThat(unscoped.allowedCapabilities()).isEmpty();
    }

    @Test
    void inactiveReasonGoesWithInactiveStatusOnly() {
        assertThat(agent(AgentStatus.INACTIVE, InactiveReason.OPERATOR).inactiveReason())
                .isEqualTo(InactiveReason.OPERATOR);
        assertThatThrownBy(() -> agent(AgentStatus.INACTIVE, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> agent(AgentStatus.ACTIVE, InactiveReason.OPERATOR))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void agentCollectionsAreImmutableCopies() {
        Agent a = agent(AgentStatus.ACTIVE, null);
        assertThatThrownBy(() -> a.labels().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> a.capabilities().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void queryMatchesEveryCriterion() {
        Agent a = agent(AgentStatus.ACTIVE, null);
        assertThat(AgentQuery.all().matches(a)).isTrue();
        assertThat(AgentQuery.builder()
                        .status(AgentStatus.ACTIVE)
                        .capability("docker", "23")
                        .label("env", "prod")
                        .build()
                        .matches(a))
                .isTrue();
        assertThat(AgentQuery.builder().status(AgentStatus.PENDING).build().matches(a))
                .isFalse();
        assertThat(AgentQuery.builder().capability("docker", "25").build().matches(a))
                .isFalse();
        assertThat(AgentQuery.builder().capability("ssh").build().matches(a)).isFalse();
        assertThat(AgentQuery.builder().label("env", "dev").build().matches(a)).isFalse();
        assertThatThrownBy(() -> AgentQuery.builder().limit(0).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() ->
                        AgentQuery.builder().limit(AgentQuery.MAX_LIMIT + 1).build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void secretsNeverAppearInToString() {
        RegistrationToken token = new RegistrationToken(
                "id1", "hash-value", "d", T0, T0.plusSeconds(60), TokenScope.UNRESTRICTED, 1, List.of(), 0, null);
        CreatedRegistrationToken created = new CreatedRegistrationToken(token, "id1.the-secret", "pin");
        assertThat(token.toString()).doesNotContain("hash-value");
        assertThat(created.toString()).doesNotContain("the-secret").contains("<redacted>");
        RegistrationRequest request = RegistrationRequest.builder()
                .token("id1.the-secret")
                .csr(new byte[] {1})
                .name("n")
                .build();
        assertThat(request.toString()).doesNotContain("the-secret");
    }

    @Test
    void tokenRedeemability() {
        RegistrationToken token = new RegistrationToken(
                "id1", "h", "d", T0, T0.plusSeconds(60), TokenScope.UNRESTRICTED, 2, List.of(), 0, null);
        assertThat(token.isRedeemableAt(T0)).isTrue();
        assertThat(token.isRedeemableAt(T0.plusSeconds(60))).isFalse();
        RegistrationToken used = token.withRedemption(new TokenRedemption(T0, "a", "k", null));
        assertThat(used.isRedeemableAt(T0)).isTrue();
        assertThat(used.withRedemption(new TokenRedemption(T0, "b", "k2", null)).isExhausted())
                .isTrue();
        assertThat(token.withRevokedAt(T0).isRedeemableAt(T0)).isFalse();
        assertThat(used.redemptionByKey("k")).isPresent();
        assertThat(used.redemptionByKey("nope")).isEmpty();
    }

    @Test
    void livenessOrdersEpochsThenSequences() {
        AgentLiveness l = new AgentLiveness(T0, 5, 10, T0, null);
        assertThat(l.isOlderThan(5, 11)).isTrue();
        assertThat(l.isOlderThan(6, 0)).isTrue();
        assertThat(l.isOlderThan(5, 10)).isFalse();
        assertThat(l.isOlderThan(5, 9)).isFalse();
        assertThat(l.isOlderThan(4, 100)).isFalse();
        assertThat(AgentLiveness.awaitingFirstHeartbeat(T0).isOlderThan(0, 0)).isTrue();
    }
}
