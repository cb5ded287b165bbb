package dev.agentmanager.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentLiveness;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.model.RegistrationToken;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TestAgentsTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    @Test
    void newAgentPinsItsOwnCertificate() {
        TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);

        assertThat(a.agent().certificate()).isEqualTo(a.certificate().pin());
        assertThat(a.certificate().agentId()).isEqualTo("agent-001");
        assertThat(a.agent().status()).isEqualTo(AgentStatus.PENDING);
        assertThat(a.agent().version()).isEqualTo(1);
        assertThat(a.agent().liveness())
                .isEqualTo(AgentLiveness.awaitingFirstHeartbeat(T0.plus(TestAgents.FIRST_HEARTBEAT_TIMEOUT)));
    }

    @Test
    void serialsAndThumbprintsAreUniqueAndWellFormed() {
        Set<String> serials = new HashSet<>();
        Set<String> thumbprints = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-x", T0);
            serials.add(a.certificate().serial());
            thumbprints.add(a.certificate().thumbprint());
            assertThat(a.certificate().serial()).matches("[1-9a-f][0-9a-f]*");
            assertThat(a.certificate().thumbprint()).matches("[0-9a-f]{64}");
        }
        assertThat(serials).hasSize(1000);
        assertThat(thumbprints).hasSize(1000);
    }

    @Test
    void tokenDefaultsAreOneTimeAndUnused() {
        RegistrationToken token = TestAgents.oneTimeToken("tok-001", T0);

        assertThat(token.maxUses()).isEqualTo(1);
        assertThat(token.redemptions()).isEmpty();
        assertThat(token.isRedeemableAt(T0)).isTrue();
        assertThat(token.expiresAt()).isEqualTo(T0.plus(TestAgents.TOKEN_TIME_TO_LIVE));
        assertThat(token.secretHash()).matches("[0-9a-f]{64}");
    }

    @Test
    void builderSetsEveryOption() {
        RegistrationToken token = TestAgents.token("tok-001", T0)
                .maxUses(3)
                .label("env", "prod")
                .allowCapabilities("docker")
                .failedAttempts(2)
                .revokedAt(T0.plusSeconds(5))
                .redemption(TestAgents.redemption("agent-001", T0))
                .build();

        assertThat(token.maxUses()).isEqualTo(3);
        assertThat(token.scope().labels()).containsEntry("env", "prod");
        assertThat(token.scope().allowsCapability("compose")).isFalse();
        assertThat(token.failedAttempts()).isEqualTo(2);
        assertThat(token.revokedAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(token.uses()).isEqualTo(1);

        Agent inactive = TestAgents.agent("agent-001", T0)
                .inactive(InactiveReason.OPERATOR)
                .version(4)
                .build();
        assertThat(inactive.status()).isEqualTo(AgentStatus.INACTIVE);
        assertThat(inactive.inactiveReason()).isEqualTo(InactiveReason.OPERATOR);
        assertThat(inactive.version()).isEqualTo(4);
    }
}
