package dev.agentmanager.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.AgentManager;
import dev.agentmanager.HeartbeatSettings;
import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService;
import dev.agentmanager.ca.bouncycastle.Pem;
import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.spi.IAgentCertificateService;
import dev.agentmanager.spi.IAgentStore;
import dev.agentmanager.store.inmemory.InMemoryAgentStore;
import dev.agentmanager.store.jdbc.JdbcAgentStore;
import dev.agentmanager.testkit.FakeCertificateService;
import dev.agentmanager.testkit.RecordingEventListener;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** What the auto-configuration builds from properties, and where it backs off. */
class AgentManagerAutoConfigurationTest {
    @TempDir
    Path directory;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    AgentManagerAutoConfiguration.class, AgentManagerHealthAutoConfiguration.class));

    private ApplicationContextRunner withDevelopmentCa() {
        return runner.withPropertyValues("agentmanager.ca.generated-directory=" + directory.resolve("ca"));
    }

    @Test
    void buildsAnInMemoryManagerWithTheConfiguredSettingsAndStartsItWithTheContext() {
        withDevelopmentCa()
                .withPropertyValues(
                        "agentmanager.heartbeat.interval=10s",
                        "agentmanager.heartbeat.timeout=40s",
                        "agentmanager.heartbeat.jitter=0",
                        "agentmanager.tokens.max-failed-attempts=3")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(IAgentStore.class)).isInstanceOf(InMemoryAgentStore.class);
                    assertThat(context.getBean(IAgentCertificateService.class))
                            .isInstanceOf(BouncyCastleCertificateService.class);
                    AgentManager manager = context.getBean(AgentManager.class);
                    assertThat(manager.heartbeatSettings())
                            .isEqualTo(new HeartbeatSettings(Duration.ofSeconds(10), Duration.ofSeconds(40), 0));
                    assertThat(manager.timeoutMonitor().isRunning()).isTrue();
                    assertThat(context).hasSingleBean(AgentManagerHealthIndicator.class);

                    context.close();
                    assertThat(manager.timeoutMonitor().isRunning()).isFalse();
                });
    }

    @Test
    void theManagerStopsAndStartsAgainWithTheContext() {
        withDevelopmentCa().run(context -> {
            AgentManager manager = context.getBean(AgentManager.class);

            context.stop();
            assertThat(manager.timeoutMonitor().isRunning()).isFalse();
            context.start();
            assertThat(manager.timeoutMonitor().isRunning()).isTrue();
        });
    }

    @Test
    void deliversEventsToTheApplicationsListenerBeans() {
        withDevelopmentCa().withUserConfiguration(Listener.class).run(context -> {
            context.getBean(AgentManager.class).createToken(RegistrationTokenRequest.oneTime("web-01"));

            assertThat(context.getBean(RecordingEventListener.class).events(AgentEvent.TokenCreated.class))
                    .hasSize(1);
        });
    }

    @Test
    void backsOffWhenTheApplicationDefinesItsOwnStoreAndCertificateService() {
        runner.withUserConfiguration(OwnStoreAndCa.class).run(context -> {
            assertThat(context).hasNotFailed(); // no agentmanager.ca.* needed
            assertThat(context.getBean(IAgentStore.class)).isSameAs(OwnStoreAndCa.STORE);
            assertThat(context).getBean(IAgentCertificateService.class).isInstanceOf(FakeCertificateService.class);
        });
    }

    @Test
    void backsOffWhenTheApplicationDefinesItsOwnManager() {
        runner.withUserConfiguration(OwnManager.class).run(context -> {
            assertThat(context).hasSingleBean(AgentManager.class);
            assertThat(context.getBean(AgentManager.class)).isSameAs(context.getBean("ownManager"));
            assertThat(context.getBean(AgentManager.class).timeoutMonitor().isRunning())
                    .as("its lifecycle follows the context too")
                    .isTrue();
        });
    }

    @Test
    void loadsTheCaFromPemFiles() throws Exception {
        BouncyCastleCertificateService existing = existingCa();

        runner.withPropertyValues(
                        "agentmanager.ca.pem-chain=" + directory.resolve("existing/ca-chain.pem"),
                        "agentmanager.ca.pem-key=" + directory.resolve("existing/ca-key.pem"))
                .run(context -> assertThat(context.getBean(AgentManager.class).trustBundle())
                        .isEqualTo(existing.trustBundle()));
    }

    @Test
    void loadsTheCaFromPkcs12() throws Exception {
        BouncyCastleCertificateService existing = existingCa();
        PrivateKey key = Pem.readPrivateKey(Files.readString(directory.resolve("existing/ca-key.pem")));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(
                "ca", key, "secret".toCharArray(), existing.caCertificates().toArray(X509Certificate[]::new));
        Path file = directory.resolve("ca.p12");
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, "secret".toCharArray());
        }

        runner.withPropertyValues("agentmanager.ca.pkcs12=" + file, "agentmanager.ca.pkcs12-password=secret")
                .run(context -> assertThat(context.getBean(AgentManager.class).trustBundle())
                        .isEqualTo(existing.trustBundle()));
    }

    /** A CA written as PEM files by an earlier start (ca-chain.pem, ca-key.pem). */
    private BouncyCastleCertificateService existingCa() {
        return BouncyCastleCertificateService.builder()
                .generatedCaDirectory(directory.resolve("existing"))
                .build();
    }

    @Test
    void refusesToStartWithoutACertificateAuthority() {
        runner.run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .hasMessageContaining("agentmanager.ca: no certificate authority configured"));
    }

    @Test
    void refusesTwoCertificateAuthoritySources() {
        withDevelopmentCa()
                .withPropertyValues(
                        "agentmanager.ca.pkcs12=" + directory.resolve("ca.p12"), "agentmanager.ca.pkcs12-password=x")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("agentmanager.ca: set only one of"));
    }

    @Test
    void refusesATimeoutNotLongerThanTheInterval() {
        withDevelopmentCa()
                .withPropertyValues("agentmanager.heartbeat.interval=30s", "agentmanager.heartbeat.timeout=30s")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("agentmanager.heartbeat: timeout"));
    }

    @Test
    void refusesAProxyGivenByHostName() {
        withDevelopmentCa()
                .withPropertyValues("agentmanager.proxy.trusted-addresses=proxy.example.com")
                .run(context ->
                        assertThat(context).getFailure().rootCause().hasMessageContaining("not a literal IP address"));
    }

    @Test
    void buildsTheJdbcStoreOnTheApplicationsDataSourceWithItsPrefixAndSchema() {
        String prefix = "am_" + UUID.randomUUID().toString().substring(0, 8) + "_";
        withDevelopmentCa()
                .withUserConfiguration(H2.class)
                .withPropertyValues("agentmanager.store.type=jdbc", "agentmanager.store.table-prefix=" + prefix)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    JdbcAgentStore store = (JdbcAgentStore) context.getBean(IAgentStore.class);
                    assertThat(store.tablePrefix()).isEqualTo(prefix);
                    context.getBean(AgentManager.class).createToken(RegistrationTokenRequest.oneTime("web-01"));
                    try (Connection c = context.getBean(DataSource.class).getConnection();
                            ResultSet rows = c.createStatement()
                                    .executeQuery("SELECT COUNT(*) FROM " + prefix + "registration_tokens")) {
                        rows.next();
                        assertThat(rows.getInt(1)).isEqualTo(1);
                    }
                });
    }

    @Test
    void refusesTheJdbcStoreWithoutADataSource() {
        withDevelopmentCa()
                .withPropertyValues("agentmanager.store.type=jdbc")
                .run(context ->
                        assertThat(context).getFailure().rootCause().hasMessageContaining("needs one DataSource bean"));
    }

    @Test
    void theHealthIndicatorCanBeSwitchedOff() {
        withDevelopmentCa()
                .withPropertyValues("management.health.agentmanager.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(AgentManagerHealthIndicator.class));
    }

    @Configuration(proxyBeanMethods = false)
    static class Listener {
        @Bean
        RecordingEventListener recordingEventListener() {
            return new RecordingEventListener();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnStoreAndCa {
        static final InMemoryAgentStore STORE = new InMemoryAgentStore();

        @Bean
        IAgentStore ownStore() {
            return STORE;
        }

        @Bean
        IAgentCertificateService ownCa() {
            return new FakeCertificateService(Clock.systemUTC());
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnManager {
        @Bean
        AgentManager ownManager() {
            return AgentManager.builder()
                    .store(new InMemoryAgentStore())
                    .certificateService(new FakeCertificateService(Clock.systemUTC()))
                    .build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class H2 {
        @Bean
        DataSource dataSource() {
            JdbcDataSource dataSource = new JdbcDataSource();
            dataSource.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
            return dataSource;
        }
    }
}
