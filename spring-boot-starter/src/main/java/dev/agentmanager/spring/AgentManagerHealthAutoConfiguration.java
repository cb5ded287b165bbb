package dev.agentmanager.spring;

import dev.agentmanager.AgentManager;
import dev.agentmanager.spi.IAgentStore;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@linkplain AgentManagerHealthIndicator health indicator} {@code agentmanager}, when Spring Boot's health
 * support is on the class path (Actuator brings it); off with {@code management.health.agentmanager.enabled=false}.
 */
@AutoConfiguration(after = AgentManagerAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
@ConditionalOnBean(AgentManager.class)
@ConditionalOnEnabledHealthIndicator("agentmanager")
public class AgentManagerHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "agentmanagerHealthIndicator")
    public AgentManagerHealthIndicator agentmanagerHealthIndicator(
            AgentManager agentManager, ObjectProvider<IAgentStore> stores, AgentManagerProperties properties) {
        return new AgentManagerHealthIndicator(
                agentManager, stores.getIfUnique(), properties.health(), Clock.systemUTC());
    }
}
