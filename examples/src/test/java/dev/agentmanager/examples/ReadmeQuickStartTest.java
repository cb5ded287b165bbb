package dev.agentmanager.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.HeartbeatResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadmeQuickStartTest {

    @Test
    void the_readme_snippet_registers_an_agent_that_becomes_active_on_its_first_heartbeat() {
        HeartbeatResponse response = ReadmeQuickStart.run();

        assertThat(response.status()).isEqualTo(AgentStatus.ACTIVE);
        assertThat(response.sequence()).isEqualTo(1);
        assertThat(response.renewCertificate()).isFalse();
    }

    @Test
    void the_snippet_fits_the_readme() throws Exception {
        List<String> source =
                Files.readAllLines(Path.of("src/main/java/dev/agentmanager/examples/ReadmeQuickStart.java"));
        int begin = source.indexOf("        // README:BEGIN");
        int end = source.indexOf("        // README:END");
        assertThat(begin).isPositive();
        assertThat(end - begin - 1).isBetween(5, 15);
        assertThat(source.subList(begin + 1, end))
                .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(120));
    }

    @Test
    void the_readme_shows_exactly_this_snippet() throws Exception {
        List<String> source =
                Files.readAllLines(Path.of("src/main/java/dev/agentmanager/examples/ReadmeQuickStart.java"));
        List<String> snippet =
                source.subList(source.indexOf("        // README:BEGIN") + 1, source.indexOf("        // README:END"));
        String readme = Files.readString(Path.of("../README.md"));
        String expected = String.join(
                "\n",
                snippet.stream()
                        .map(line -> line.length() >= 8 ? line.substring(8) : line.strip())
                        .toList());

        assertThat(readme)
                .as("README.md's quick start must be ReadmeQuickStart's snippet")
                .contains(expected);
    }
}
