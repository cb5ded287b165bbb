package dev.agentmanager.spring;

import dev.agentmanager.AgentManager;
import dev.agentmanager.spi.IAgentCertificateService;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;

/**
 * The {@linkplain AgentConnector agent connector} on the embedded Tomcat, when {@code agentmanager.server.agent-port}
 * is set.
 */
@AutoConfiguration(after = AgentManagerAutoConfiguration.class)
@ConditionalOnClass(
        name = {"org.apache.catalina.startup.Tomcat", "org.springframework.boot.tomcat.TomcatWebServerFactory"})
@ConditionalOnWebApplication
@ConditionalOnProperty(prefix = "agentmanager.server", name = "agent-port")
@ConditionalOnBean(AgentManager.class)
public class AgentConnectorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public AgentConnector agentConnector(
            AgentManager agentManager,
            IAgentCertificateService agentCertificateService,
            AgentManagerProperties properties) {
        AgentManagerProperties.Server server = properties.server();
        Integer port = server.agentPort();
        if (port == null) {
            throw new IllegalStateException("agentmanager.server.agent-port is required for the agent connector");
        }
        return new AgentConnector(
                agentManager, AgentServerIdentity.of(server, agentCertificateService), port, server.agentAddress());
    }
}
