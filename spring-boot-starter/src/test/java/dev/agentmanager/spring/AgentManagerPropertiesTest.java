package dev.agentmanager.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class AgentManagerPropertiesTest {

    @Test
    void theCaSettingsNeverShowTheirPasswords() {
        AgentManagerProperties.Ca ca =
                new AgentManagerProperties.Ca(Path.of("ca.p12"), "p12-secret", null, null, null, null, null, null);

        assertThat(ca.toString()).contains("ca.p12").doesNotContain("p12-secret");
    }
}
