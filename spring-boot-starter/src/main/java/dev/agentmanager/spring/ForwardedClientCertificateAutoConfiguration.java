package dev.agentmanager.spring;

import dev.agentmanager.AgentManager;
import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.Ordered;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The {@linkplain ForwardedClientCertificateFilter forwarded client certificate filter}, when
 * {@code agentmanager.proxy.trusted-addresses} names at least one proxy. It runs before any security filter, so
 * that they too see the forwarded certificate.
 */
@AutoConfiguration(after = AgentManagerAutoConfiguration.class)
@ConditionalOnClass(name = "jakarta.servlet.Filter")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@Conditional(ForwardedClientCertificateAutoConfiguration.ProxiesConfigured.class)
@ConditionalOnBean(AgentManager.class)
public class ForwardedClientCertificateAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "forwardedClientCertificateFilter")
    public FilterRegistrationBean<ForwardedClientCertificateFilter> forwardedClientCertificateFilter(
            AgentManager agentManager, AgentManagerProperties properties) {
        AgentManagerProperties.Proxy proxy = properties.proxy();
        FilterRegistrationBean<ForwardedClientCertificateFilter> registration =
                new FilterRegistrationBean<>(new ForwardedClientCertificateFilter(
                        TrustedProxies.parse(proxy.trustedAddresses()), proxy.clientCertificateHeader(), agentManager));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return registration;
    }

    /** Whether {@code agentmanager.proxy.trusted-addresses} lists any address (as a list or comma-separated). */
    static final class ProxiesConfigured extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            List<String> addresses = Binder.get(context.getEnvironment())
                    .bind("agentmanager.proxy.trusted-addresses", Bindable.listOf(String.class))
                    .orElse(List.of());
            return addresses.isEmpty()
                    ? ConditionOutcome.noMatch("agentmanager.proxy.trusted-addresses is empty")
                    : ConditionOutcome.match("agentmanager.proxy.trusted-addresses lists " + addresses.size());
        }
    }
}
