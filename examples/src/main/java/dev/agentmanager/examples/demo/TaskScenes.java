package dev.agentmanager.examples.demo;

import dev.agentmanager.examples.demo.Api.TaskView;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The demo's deployment scenes: a task claimed, run and finished; an agent killed in the middle of one, whose
 * attempt is lost and whose task another agent finishes; a running task cancelled. Played by {@link DemoStory}
 * through the operator's JSON API; the simulated agents claim and report on their own ({@link TaskWork}).
 */
final class TaskScenes {
    private final DemoStory story;
    private final Duration progressTimeout;

    TaskScenes(DemoStory story, Duration heartbeatTimeout) {
        this.story = story;
        this.progressTimeout = heartbeatTimeout.multipliedBy(2);
    }

    void deploy() throws IOException, DemoStory.StoryFailure {
        story.step("The operator submits 'deploy web 1.2' to agents with capability docker ≥ 24");
        TaskView task = submit("deploy", "deploy web 1.2", 3, false);
        story.say("operator: task " + short12(task.id()) + " queued; any ACTIVE docker agent may claim it");
        TaskView running = story.expectThat(
                "'deploy web 1.2' is claimed by one docker agent and reports progress",
                () -> view(task.id()),
                t -> t.agentId() != null && (t.percent() != null || t.status().equals("SUCCEEDED")));
        story.say("held by " + story.nameOf(Objects.requireNonNull(running.agentId())) + " (attempt "
                + running.attempt() + ")");
        story.expectThat(
                "'deploy web 1.2' SUCCEEDED",
                () -> view(task.id()),
                t -> t.status().equals("SUCCEEDED"));
    }

    /** Returns the name of the agent that was killed (restarted before this returns). */
    void agentKilledMidTask() throws IOException, DemoStory.StoryFailure {
        story.step("An agent is killed in the middle of a task; another finishes it");
        TaskView task = submit("deploy", "deploy api 2.0", 4, true);
        story.say("operator: task " + short12(task.id()) + " 'deploy api 2.0' queued, marked idempotent");
        TaskView running = story.expectThat(
                "'deploy api 2.0' is running on a docker agent",
                () -> view(task.id()),
                t -> t.status().equals("RUNNING") && t.percent() != null);
        String victim = story.nameOf(Objects.requireNonNull(running.agentId()));
        story.kill(victim);
        story.say(victim + " is killed at " + running.percent() + "% of 'deploy api 2.0'");
        story.expect(
                victim + " is marked INACTIVE (MISSED_HEARTBEATS)",
                fleet -> fleet.stream()
                        .anyMatch(a -> a.name().equals(victim)
                                && a.status().equals("INACTIVE")
                                && "MISSED_HEARTBEATS".equals(a.inactiveReason())));
        TaskView finished = story.expectThat(
                "its attempt is declared lost after the grace, and another agent finishes the task (attempt 2)",
                () -> view(task.id()),
                t -> t.status().equals("SUCCEEDED") && t.attempt() >= 2);
        story.say("'deploy api 2.0' finished by " + story.nameOf(Objects.requireNonNull(finished.agentId()))
                + " in attempt " + finished.attempt());
        story.restart(victim);
    }

    void cancelRunning() throws IOException, DemoStory.StoryFailure {
        story.step("The operator cancels a running task");
        TaskView task = submit("migrate", "migrate database", 1_000, false);
        TaskView running = story.expectThat(
                "'migrate database' is running",
                () -> view(task.id()),
                t -> t.status().equals("RUNNING"));
        story.operator().post(story.orchestrator(), "/v1/tasks/" + task.id() + "/cancel", TaskView.class);
        story.say("operator: cancel " + short12(task.id()) + "; "
                + story.nameOf(Objects.requireNonNull(running.agentId())) + " hears it in its next heartbeat reply");
        story.expectThat(
                "'migrate database' CANCELLED, acknowledged by its agent",
                () -> view(task.id()),
                t -> t.status().equals("CANCELLED"));
    }

    private TaskView submit(String type, String title, int steps, boolean idempotent) throws IOException {
        String payload = "{\"title\":\"" + title + "\",\"steps\":" + steps + "}";
        return story.operator()
                .post(
                        story.orchestrator(),
                        "/v1/tasks",
                        new Api.TaskSubmit(type, "docker", "24", payload, idempotent, progressTimeout.toMillis()),
                        TaskView.class);
    }

    private TaskView view(String id) throws IOException {
        return story.operator().get(story.orchestrator(), "/v1/tasks/" + id, TaskView.class);
    }

    /** The tasks as the operator sees them. */
    List<TaskView> tasks() throws IOException {
        return List.of(story.operator().get(story.orchestrator(), "/v1/tasks", TaskView[].class));
    }

    static Optional<TaskView> find(List<TaskView> tasks, String id) {
        return tasks.stream().filter(t -> t.id().equals(id)).findFirst();
    }

    private static String short12(String id) {
        return id.length() <= 12 ? id : id.substring(id.length() - 12);
    }
}
