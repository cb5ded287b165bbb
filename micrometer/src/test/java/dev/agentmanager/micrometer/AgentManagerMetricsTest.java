package dev.agentmanager.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.AgentManager;
import dev.agentmanager.exception.AgentManagerException;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.store.inmemory.InMemoryAgentStore;
import dev.agentmanager.testkit.FakeCertificateService;
import dev.agentmanager.testkit.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The binder against a real SimpleMeterRegistry, driven by a real manager on a manual clock. */
class AgentManagerMetricsTest {
    private final MutableClock clock = MutableClock.create();
    private final FakeCertificateService ca = new FakeCertificateService(clock);
    private final AgentManager manager = AgentManager.builder()
            .store(new InMemoryAgentStore())
            .certificateService(ca)
            .clock(clock)
            .heartbeat(Duration.ofSeconds(30), Duration.ofSeconds(90))
            .build();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private Registration register(String name) {
        String token =
                manager.createToken(RegistrationTokenRequest.oneTime(name)).plaintext();
        return manager.register(RegistrationRequest.builder()
                .token(token)
                .csr(FakeCertificateService.csrFor(name))
                .name(name)
                .build());
    }

    private double counter(String name, String... tags) {
        return registry.get(name).tags(tags).counter().count();
    }

    @Test
    void countsTimesAndGaugesWhatTheManagerDoes() throws Exception {
        AgentManagerMetrics metrics = new AgentManagerMetrics(manager);
        metrics.bindTo(registry);
        manager.timeoutMonitor().runOnce();
        Registration web = register("web");
        Registration db = register("db");
        assertThatThrownBy(() -> manager.register(RegistrationRequest.builder()
                        .token("nosuchtoken.secretsecretsecretsecretsecret")
                        .csr(FakeCertificateService.csrFor("x"))
                        .name("x")
                        .build()))
                .isInstanceOf(AgentManagerException.class);
        for (long seq = 1; seq <= 3; seq++) {
            manager.heartbeatProcessor()
                    .process(Heartbeat.of(web.agent().id(), web.certificate().thumbprint(), 1, seq));
        }
        assertThatThrownBy(() -> manager.heartbeatProcessor()
                        .process(
                                Heartbeat.of(web.agent().id(), web.certificate().thumbprint(), 1, 2)))
                .isInstanceOf(AgentManagerException.class);
        manager.renewCertificate(
                web.agent().id(), web.certificate().thumbprint(), FakeCertificateService.csrFor("web"));
        manager.revoke(db.agent().id());
        for (int s = 0; s < 95; s++) { // web goes silent: one expiry
            clock.advance(Duration.ofSeconds(1));
            manager.timeoutMonitor().runOnce();
        }
        clock.advance(Duration.ofMillis(2500));

        assertThat(counter("agentmanager.heartbeats", "outcome", "accepted")).isEqualTo(3);
        assertThat(counter("agentmanager.heartbeats", "outcome", "rejected", "reason", "stale"))
                .isEqualTo(1);
        assertThat(registry.get("agentmanager.heartbeat.duration")
                        .tag("outcome", "accepted")
                        .timer()
                        .count())
                .isEqualTo(3);
        assertThat(registry.get("agentmanager.heartbeat.duration")
                        .tag("outcome", "accepted")
                        .timer()
                        .totalTime(TimeUnit.NANOSECONDS))
                .isPositive();
        assertThat(counter("agentmanager.registrations", "outcome", "accepted")).isEqualTo(2);
        assertThat(registry.get("agentmanager.registrations")
                        .tag("outcome", "rejected")
                        .counters())
                .extracting(c -> c.count())
                .containsOnly(0.0, 1.0)
                .contains(1.0);
        assertThat(registry.get("agentmanager.registration.duration")
                        .tag("outcome", "rejected")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(counter("agentmanager.certificate.renewals")).isEqualTo(1);
        assertThat(counter("agentmanager.revocations")).isEqualTo(1);
        assertThat(counter("agentmanager.expiries", "reason", "missed_heartbeats"))
                .isEqualTo(1);
        assertThat(registry.get("agentmanager.agents")
                        .tag("status", "inactive")
                        .gauge()
                        .value())
                .isEqualTo(1);
        assertThat(registry.get("agentmanager.agents")
                        .tag("status", "revoked")
                        .gauge()
                        .value())
                .isEqualTo(1);
        assertThat(registry.get("agentmanager.monitor.last.sweep.age").gauge().value())
                .isEqualTo(2.5);
        // no token, and no token id, in any tag
        registry.getMeters()
                .forEach(m -> m.getId()
                        .getTags()
                        .forEach(t -> assertThat(t.getValue()).doesNotContain("nosuchtoken")));

        metrics.close(); // detached: the manager's work no longer counts
        manager.heartbeatProcessor()
                .process(Heartbeat.of(web.agent().id(), web.certificate().thumbprint(), 1, 9));
        assertThat(counter("agentmanager.heartbeats", "outcome", "accepted")).isEqualTo(3);
    }

    @Test
    void bindingTwiceIsRefused() {
        AgentManagerMetrics metrics = new AgentManagerMetrics(manager);
        metrics.bindTo(registry);
        assertThatThrownBy(() -> metrics.bindTo(new SimpleMeterRegistry())).isInstanceOf(IllegalStateException.class);
    }
}
