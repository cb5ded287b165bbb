package dev.agentmanager.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.AgentManager;
import dev.agentmanager.micrometer.AgentManagerMetrics;
import dev.agentmanager.model.AgentStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The Micrometer binder joins the context when Micrometer is there, and stays out when it is not. */
class MetricsAutoConfigurationTest {
    @TempDir
    Path directory;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(AgentManagerAutoConfiguration.class))
                .withPropertyValues("agentmanager.ca.generated-directory=" + directory.resolve("ca"));
    }

    @Test
    void theBinderIsABeanWhoseMetersFollowTheManager() {
        runner().run(context -> {
            assertThat(context).hasSingleBean(AgentManagerMetrics.class);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(AgentManagerMetrics.class).bindTo(registry);
            AgentManager manager = context.getBean(AgentManager.class);
            assertThat(registry.get("agentmanager.agents")
                            .tag("status", "active")
                            .gauge()
                            .value())
                    .isEqualTo(manager.countAgents(AgentStatus.ACTIVE));
            assertThat(registry.find("agentmanager.heartbeats").counters()).isNotEmpty();
        });
    }

    @Test
    void withoutMicrometerThereIsNoBinder() {
        runner().withClassLoader(new FilteredClassLoader("io.micrometer.core")).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean("agentManagerMetrics");
        });
    }
}
