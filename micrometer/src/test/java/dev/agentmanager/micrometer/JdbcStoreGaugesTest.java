package dev.agentmanager.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.AgentManager;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.store.jdbc.JdbcAgentStore;
import dev.agentmanager.testkit.FakeCertificateService;
import dev.agentmanager.testkit.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/** The JDBC store's gauges on an embedded H2 database: heartbeats buffered, and the age of the last flush. */
class JdbcStoreGaugesTest {

    @Test
    void bufferedHeartbeatsAndTheFlushAgeAreGauged() throws Exception {
        MutableClock clock = MutableClock.create();
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:gauges;DB_CLOSE_DELAY=-1");
        try (JdbcAgentStore store = JdbcAgentStore.builder(h2)
                        .clock(clock)
                        .heartbeatFlushInterval(Duration.ofMinutes(1)) // the test flushes long before the store does
                        .createSchemaIfMissing()
                        .build();
                AgentManager manager = AgentManager.builder()
                        .store(store)
                        .certificateService(new FakeCertificateService(clock))
                        .clock(clock)
                        .build()) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            AgentManagerMetrics.withJdbcStore(manager, store).bindTo(registry);
            String token =
                    manager.createToken(RegistrationTokenRequest.oneTime("web")).plaintext();
            Registration web = manager.register(RegistrationRequest.builder()
                    .token(token)
                    .csr(FakeCertificateService.csrFor("web"))
                    .name("web")
                    .build());
            manager.heartbeatProcessor()
                    .process(Heartbeat.of(web.agent().id(), web.certificate().thumbprint(), 1, 1));
            manager.heartbeatProcessor()
                    .process(Heartbeat.of(web.agent().id(), web.certificate().thumbprint(), 1, 2));
            store.flushHeartbeats();
            manager.heartbeatProcessor()
                    .process(Heartbeat.of(web.agent().id(), web.certificate().thumbprint(), 1, 3));
            assertThat(registry.get("agentmanager.jdbc.heartbeats.buffered")
                            .gauge()
                            .value())
                    .isEqualTo(1);

            clock.advance(Duration.ofSeconds(7));
            double age = registry.get("agentmanager.jdbc.heartbeat.flush.age")
                    .gauge()
                    .value();
            store.flushHeartbeats();
            assertThat(age).isEqualTo(7.0);
            assertThat(registry.get("agentmanager.jdbc.heartbeats.buffered")
                            .gauge()
                            .value())
                    .isZero();
            assertThat(registry.get("agentmanager.jdbc.heartbeat.flush.age")
                            .gauge()
                            .value())
                    .isZero();
        }
    }
}
