package dev.agentmanager.examples.demo;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The demo orchestrator's JSON API: request and response bodies. Instants travel as ISO-8601 strings,
 * durations as milliseconds.
 *
 * <pre>
 * enrollment endpoint (server TLS only)
 *   POST /v1/tokens                   operator   TokenRequest        -&gt; 201 TokenCreated
 *   POST /v1/register                 agent      RegisterRequest     -&gt; 201 Registered
 *   GET  /v1/agents                   operator                       -&gt; 200 [AgentView]
 *   POST /v1/agents/{id}/deactivate   operator                       -&gt; 200 AgentView  (also reactivate, revoke)
 *   POST /v1/tasks                    operator   TaskSubmit          -&gt; 201 TaskView
 *   GET  /v1/tasks                    operator                       -&gt; 200 [TaskView]
 *   GET  /v1/tasks/{id}               operator                       -&gt; 200 TaskView (with why it waits)
 *   POST /v1/tasks/{id}/cancel        operator                       -&gt; 200 TaskView
 * agent endpoint (mutual TLS: a valid, unrevoked client certificate is required in the handshake)
 *   POST /v1/heartbeat                agent      HeartbeatRequest    -&gt; 200 HeartbeatReply
 *   POST /v1/renew                    agent      RenewRequest        -&gt; 200 Renewed
 *   POST /v1/tasks/claim              agent      ClaimRequest        -&gt; 200 [Assigned]
 *   POST /v1/tasks/report             agent      ReportRequest       -&gt; 200 ReportReply
 * errors: 4xx/5xx with Error
 * </pre>
 *
 * Operator calls carry {@code Authorization: Bearer <operator key>}.
 */
public final class Api {
    private Api() {}

    /** The mapper both sides use: unknown fields are ignored, so either side may add fields. */
    public static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    public record TokenRequest(String description, long timeToLiveSeconds) {}

    /** {@code token} is shown once; {@code trustPin} is the SHA-256 of the CA root the agent must verify. */
    public record TokenCreated(String tokenId, String token, String trustPin, String expiresAt) {}

    public record CapabilityView(String name, @Nullable String version) {}

    public record RegisterRequest(
            String token,
            String csrPem,
            String name,
            List<CapabilityView> capabilities,
            Map<String, String> labels,
            @Nullable String agentVersion) {}

    /** {@code agentUrl}: where to send heartbeats and renewals, with the issued certificate. */
    public record Registered(
            String agentId,
            String certificatePem,
            String trustBundlePem,
            long heartbeatIntervalMillis,
            String agentUrl) {}

    /** {@code heldTasks}: the task attempts the agent works on, so that the reply can say which to stop. */
    public record HeartbeatRequest(
            String agentId,
            long bootEpoch,
            long sequence,
            String agentTime,
            @Nullable String health,
            List<HeldTask> heldTasks) {}

    /** {@code tasksWaiting}: a hint that claiming may find work; {@code stopTasks}: attempts to stop, and why. */
    public record HeartbeatReply(
            String status,
            long nextHeartbeatInMillis,
            String deadline,
            boolean renewCertificate,
            int tasksWaiting,
            List<StopTask> stopTasks) {}

    /** One attempt of a task: the task and its attempt number, which fences every report. */
    public record HeldTask(String taskId, int attempt) {}

    /** {@code reason}: CANCEL (stop and report "cancelled"), SUPERSEDED or UNKNOWN (stop, report nothing). */
    public record StopTask(String taskId, int attempt, String reason) {}

    /** Work for agents with {@code capability} at {@code minimumVersion} or above. */
    public record TaskSubmit(
            String type,
            String capability,
            @Nullable String minimumVersion,
            String payloadJson,
            boolean idempotent,
            long progressTimeoutMillis) {}

    /** {@code why}: what keeps a queued task from being claimed, or how it ended. */
    public record TaskView(
            String id,
            String type,
            String status,
            int attempt,
            @Nullable String agentId,
            @Nullable Integer percent,
            @Nullable String message,
            boolean cancelRequested,
            List<String> why) {}

    public record ClaimRequest(String agentId, int max) {}

    public record Assigned(String taskId, int attempt, String type, String payloadJson, long reportEveryMillis) {}

    /** {@code kind}: started, progress, succeeded, failed or cancelled. */
    public record ReportRequest(
            String agentId,
            String taskId,
            int attempt,
            String kind,
            @Nullable Integer percent,
            @Nullable String message) {}

    public record ReportReply(String status, boolean cancelRequested) {}

    public record RenewRequest(String agentId, String csrPem) {}

    public record Renewed(String serial, String certificatePem, String notAfter) {}

    public record AgentView(
            String id,
            String name,
            String status,
            @Nullable String inactiveReason,
            List<CapabilityView> capabilities,
            @Nullable String lastHeartbeatAt,
            String certificateSerial,
            int certificatesIssued,
            int tasksRunning,
            int tasksSucceeded) {}

    public record Error(String error) {}
}
