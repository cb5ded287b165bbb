package dev.agentmanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.spi.IAgentCertificateService;
import dev.agentmanager.spi.IAgentStore;
import java.lang.reflect.Proxy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SettingsTest {

    @Test
    void heartbeatTimeoutMustExceedInterval() {
        assertThat(HeartbeatSettings.defaults().interval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(HeartbeatSettings.defaults().timeout()).isEqualTo(Duration.ofSeconds(90));
        assertThatThrownBy(() -> HeartbeatSettings.of(Duration.ofSeconds(30), Duration.ofSeconds(30)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HeartbeatSettings.of(Duration.ZERO, Duration.ofSeconds(30)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HeartbeatSettings(Duration.ofSeconds(1), Duration.ofSeconds(3), 0.5))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void otherSettingsValidate() {
        assertThatThrownBy(() -> new SelfPreservation(true, 0, 10, 0.75)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SelfPreservation(true, 1.5, 10, 0.75))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SelfPreservation(true, 0.5, 10, 0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SelfPreservation(true, 0.25, 10, 1.01))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RenewalPolicy(1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RenewalPolicy(0.9, 0.2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenSettings.defaults().withDefaultTimeToLive(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(TokenSettings.defaults()
                        .withDefaultTimeToLive(Duration.ofDays(60))
                        .maxTimeToLive())
                .isEqualTo(Duration.ofDays(60));
        assertThatThrownBy(() -> new AgentLimits(0, 1, 1, 1, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void builderIsStrict() {
        IAgentStore store = dummy(IAgentStore.class);
        IAgentCertificateService ca = dummy(IAgentCertificateService.class);

        assertThatThrownBy(() -> AgentManager.builder().certificateService(ca).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("store");
        assertThatThrownBy(() -> AgentManager.builder().store(store).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("certificateService");
        assertThatThrownBy(() -> AgentManager.builder().store(store).store(store))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already set");
        assertThatThrownBy(() -> AgentManager.builder().clock(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> AgentManager.builder()
                        .store(store)
                        .certificateService(ca)
                        .heartbeat(Duration.ofSeconds(1), Duration.ofSeconds(3))
                        .sweepInterval(Duration.ofSeconds(3))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sweepInterval");
        assertThat(AgentManager.builder().store(store).certificateService(ca).build())
                .isNotNull();
    }

    @Test
    void renewalShareIsStablePerCertificateAndSpreadOverTheJitter() {
        RenewalPolicy policy = new RenewalPolicy(0.6, 0.1);
        String thumbprint = Thumbprints.of("certificate-a".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        double a = policy.shareFor(thumbprint);
        assertThat(policy.shareFor(thumbprint)).isEqualTo(a);
        assertThat(policy.shareFor(thumbprint.toUpperCase(java.util.Locale.ROOT)))
                .isEqualTo(a);
        double min = 1;
        double max = 0;
        for (int i = 0; i < 1_000; i++) {
            String t = Thumbprints.of(("certificate-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            double share = policy.shareFor(t);
            assertThat(share).isGreaterThanOrEqualTo(0.5).isLessThan(0.7);
            min = Math.min(min, share);
            max = Math.max(max, share);
        }
        assertThat(min).isLessThan(0.51);
        assertThat(max).isGreaterThan(0.69);
    }

    @SuppressWarnings("unchecked")
    private static <T> T dummy(Class<T> type) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, a) -> {
            throw new UnsupportedOperationException(m.getName());
        });
    }
}
