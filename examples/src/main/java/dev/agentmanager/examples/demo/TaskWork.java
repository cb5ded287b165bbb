package dev.agentmanager.examples.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentmanager.examples.AgentClient;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A simulated agent's work on one task attempt: {@code steps} steps (from the payload), one per heartbeat, each
 * reported as progress; the last one reports success. It stops when the heartbeat reply says so: on a cancel it
 * reports "cancelled", on anything else it reports nothing (the attempt is no longer its own).
 *
 * @param attempt the task attempt it holds
 * @param title what it does, for the narration
 * @param steps how many heartbeats the work takes
 * @param done how many steps are done
 */
record TaskWork(Api.HeldTask attempt, String title, int steps, int done) {

    /**
     * What the agent works on after this heartbeat: the same task one step further, a newly claimed one, or none.
     */
    static @Nullable TaskWork next(
            @Nullable TaskWork current, AgentClient agent, Api.HeartbeatReply reply, Consumer<String> say)
            throws IOException {
        if (current != null) {
            for (Api.StopTask stop : reply.stopTasks()) {
                if (stop.taskId().equals(current.attempt().taskId())
                        && stop.attempt() == current.attempt().attempt()) {
                    if (stop.reason().equals("CANCEL")) {
                        agent.report(current.attempt(), "cancelled", null, null);
                        say.accept("stops '" + current.title() + "': cancelled by the operator");
                    } else {
                        say.accept("stops '" + current.title() + "': the attempt is no longer its own");
                    }
                    return null;
                }
            }
            return current.step(agent, say);
        }
        if (reply.tasksWaiting() == 0) {
            return null;
        }
        List<Api.Assigned> claimed = agent.claim(1);
        if (claimed.isEmpty()) {
            return null; // another agent was faster: the hint was only a hint
        }
        Api.Assigned task = claimed.get(0);
        JsonNode payload = Api.JSON.readTree(task.payloadJson());
        TaskWork work = new TaskWork(
                new Api.HeldTask(task.taskId(), task.attempt()),
                payload.path("title").asText(task.type()),
                Math.max(1, payload.path("steps").asInt(3)),
                0);
        agent.report(work.attempt(), "started", null, null);
        say.accept("claimed '" + work.title() + "' (attempt " + task.attempt() + ") and started it");
        return work;
    }

    private @Nullable TaskWork step(AgentClient agent, Consumer<String> say) throws IOException {
        int now = done + 1;
        try {
            if (now >= steps) {
                agent.report(attempt, "succeeded", 100, null);
                say.accept("finished '" + title + "'");
                return null;
            }
            int percent = now * 100 / steps;
            agent.report(attempt, "progress", percent, String.format(Locale.ROOT, "step %d of %d", now, steps));
            return new TaskWork(attempt, title, steps, now);
        } catch (JsonHttp.Refused e) {
            say.accept("stops '" + title + "': " + e.getMessage());
            return null;
        }
    }
}
