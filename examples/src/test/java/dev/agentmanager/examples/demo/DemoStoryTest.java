package dev.agentmanager.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.examples.demo.Api.AgentView;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's story, as {@code DemoMain} plays it, with faster timing: a broken demo fails the build. Real
 * time and real TLS; every wait in the story is bounded.
 */
class DemoStoryTest {

    @Test
    void the_story_plays_to_its_end_and_leaves_the_fleet_as_told(@TempDir Path directory) throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        DemoStory.Result result;
        try (PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8);
                DemoStory story = DemoStory.start(directory, DemoOrchestrator.Settings.fast(), out)) {
            result = story.play();
        }
        String printed = console.toString(StandardCharsets.UTF_8);
        System.out.print(printed);

        assertThat(result.failure()).isNull();
        assertThat(result.checks()).hasSize(19);
        assertThat(result.finalFleet())
                .extracting(AgentView::name)
                .containsExactly("alpha", "bravo", "charlie", "delta", "echo"); // nobody with the reused token
        assertThat(result.agent("alpha").status()).isEqualTo("ACTIVE");
        assertThat(result.agent("bravo").status()).isEqualTo("ACTIVE"); // back after its timeout
        assertThat(result.agent("charlie").status()).isEqualTo("INACTIVE");
        assertThat(result.agent("charlie").inactiveReason()).isEqualTo("OPERATOR");
        assertThat(result.agent("delta").status()).isEqualTo("REVOKED");
        assertThat(result.agent("echo").status()).isEqualTo("ACTIVE");
        assertThat(result.agent("echo").certificatesIssued()).isGreaterThanOrEqualTo(2);
        // deploy web and deploy api succeeded; the agent killed in the middle of deploy api came back
        assertThat(result.finalFleet().stream()
                        .mapToInt(AgentView::tasksSucceeded)
                        .sum())
                .isEqualTo(2);
        assertThat(result.checks())
                .contains(
                        "its attempt is declared lost after the grace, and another agent finishes the task (attempt 2)")
                .contains("'migrate database' CANCELLED, acknowledged by its agent");

        assertThat(printed)
                .contains("bravo -> INACTIVE (MISSED_HEARTBEATS)")
                .containsPattern("it had started, the task is idempotent: queued again")
                .contains("impostor: 401 registration token rejected")
                .contains("TLS: agent endpoint refused delta's certificate")
                .contains("all 19 expectations met")
                .doesNotContainPattern("[A-Za-z0-9_-]{12,}\\.[A-Za-z0-9_-]{20,}"); // no plaintext <id>.<secret>
        // the H2 file database and the CA's state were created under the directory
        assertThat(directory.resolve("fleet.mv.db")).exists();
        assertThat(directory.resolve("ca").resolve("ca-chain.pem")).exists();
        assertThat(Files.list(directory.resolve("agents"))
                        .map(p -> p.getFileName().toString()))
                .contains("alpha", "bravo", "charlie", "delta", "echo");
    }

    @Test
    void two_replicas_play_the_same_story_with_the_revocation_made_on_the_other_replica(@TempDir Path directory)
            throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        DemoStory.Result result;
        try (PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8);
                DemoStory story = DemoStory.start(directory, DemoOrchestrator.Settings.fast(), out, 2)) {
            result = story.play();
        }
        String printed = console.toString(StandardCharsets.UTF_8);
        System.out.print(printed);

        assertThat(result.failure()).isNull();
        assertThat(result.checks()).hasSize(19);
        assertThat(result.agent("delta").status()).isEqualTo("REVOKED");
        assertThat(result.agent("echo").certificatesIssued()).isGreaterThanOrEqualTo(2);
        assertThat(printed)
                .contains("replica B on the same database and CA")
                .contains("alpha enrols through replica A and heartbeats to replica B")
                .contains("bravo enrols through replica B and heartbeats to replica A")
                .contains("operator: revoking on replica B; delta talks to replica A")
                .containsPattern("TLS: agent endpoint refused delta's certificate .*\\(replica A\\)");
        // one database and one CA for both replicas
        assertThat(directory.resolve("fleet.mv.db")).exists();
        assertThat(directory.resolve("ca").resolve("ca-chain.pem")).exists();
    }

    @Test
    void a_second_run_starts_fresh(@TempDir Path directory) throws Exception {
        for (int run = 0; run < 2; run++) {
            try (DemoStory story = DemoStory.start(
                    directory, DemoOrchestrator.Settings.fast(), new PrintStream(PrintStream.nullOutputStream()))) {
                assertThat(story.fleet()).isEmpty();
                assertThat(story.orchestrator().refusedHandshakes()).isEmpty();
            }
        }
    }
}
