package dev.agentmanager.spring;

import dev.agentmanager.AgentManager;
import dev.agentmanager.AgentManagerBuilder;
import dev.agentmanager.event.AgentEventListener;
import dev.agentmanager.micrometer.AgentManagerMetrics;
import dev.agentmanager.spi.IAgentCertificateService;
import dev.agentmanager.spi.IAgentStore;
import dev.agentmanager.store.inmemory.InMemoryAgentStore;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.ClassUtils;

/**
 * The agent manager from {@code agentmanager.*}: the certificate authority, the store (in memory, or JDBC on the
 * application's {@code DataSource}), the manager with the application's {@link AgentEventListener} beans, and its
 * lifecycle. Each bean backs off when the application defines its own of that type; the store and the certificate
 * service also when it defines its own manager.
 */
@AutoConfiguration(afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@EnableConfigurationProperties(AgentManagerProperties.class)
public class AgentManagerAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean({IAgentCertificateService.class, AgentManager.class})
    public IAgentCertificateService agentCertificateService(AgentManagerProperties properties) {
        return CertificateServiceFactory.create(properties.ca());
    }

    /** After the host's Flyway, Liquibase or SQL scripts, when the store is JDBC. */
    @Bean
    @ConditionalOnMissingBean({IAgentStore.class, AgentManager.class})
    @DependsOnDatabaseInitialization
    public IAgentStore agentStore(AgentManagerProperties properties, ObjectProvider<DataSource> dataSources) {
        AgentManagerProperties.Store store = properties.store();
        return switch (store.type()) {
            case IN_MEMORY -> new InMemoryAgentStore();
            case JDBC -> {
                if (!ClassUtils.isPresent(
                        "dev.agentmanager.store.jdbc.JdbcAgentStore",
                        AgentManagerAutoConfiguration.class.getClassLoader())) {
                    throw new IllegalStateException(
                            "agentmanager.store.type=jdbc needs agentmanager-store-jdbc on the class path");
                }
                DataSource dataSource = dataSources.getIfUnique();
                if (dataSource == null) {
                    throw new IllegalStateException(
                            "agentmanager.store.type=jdbc needs one DataSource bean (spring.datasource.*)");
                }
                yield JdbcStoreFactory.create(dataSource, store);
            }
        };
    }

    /** Not started here: {@link AgentManagerLifecycle} starts it with the context. */
    @Bean
    @ConditionalOnMissingBean(AgentManager.class)
    public AgentManager agentManager(
            IAgentStore agentStore,
            IAgentCertificateService agentCertificateService,
            AgentManagerProperties properties,
            ObjectProvider<AgentEventListener> listeners) {
        AgentManagerBuilder builder = AgentManager.builder()
                .store(agentStore)
                .certificateService(agentCertificateService)
                .heartbeat(properties.heartbeat().settings())
                .sweepInterval(properties.heartbeat().sweepInterval())
                .tokens(properties.tokens().settings());
        listeners.orderedStream().forEach(builder::listener);
        return builder.build();
    }

    @Bean
    @ConditionalOnMissingBean(AgentManagerLifecycle.class)
    public AgentManagerLifecycle agentManagerLifecycle(AgentManager agentManager) {
        return new AgentManagerLifecycle(agentManager);
    }

    /** The Micrometer binder, when Micrometer and agentmanager-micrometer are on the classpath. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(
            name = {"io.micrometer.core.instrument.MeterRegistry", "dev.agentmanager.micrometer.AgentManagerMetrics"})
    static class Metrics {
        /** A MeterBinder: Boot binds it to the application's registry; with a JDBC store, its gauges too. */
        @Bean
        @ConditionalOnMissingBean
        AgentManagerMetrics agentManagerMetrics(AgentManager agentManager, ObjectProvider<IAgentStore> store) {
            IAgentStore s = store.getIfAvailable();
            if (s != null && ClassUtils.isPresent("dev.agentmanager.store.jdbc.JdbcAgentStore", null)) {
                return JdbcMetrics.of(agentManager, s);
            }
            return new AgentManagerMetrics(agentManager);
        }
    }

    /** Loaded only when the JDBC store is on the classpath. */
    private static final class JdbcMetrics {
        static AgentManagerMetrics of(AgentManager manager, IAgentStore store) {
            return store instanceof dev.agentmanager.store.jdbc.JdbcAgentStore jdbc
                    ? AgentManagerMetrics.withJdbcStore(manager, jdbc)
                    : new AgentManagerMetrics(manager);
        }
    }
}
