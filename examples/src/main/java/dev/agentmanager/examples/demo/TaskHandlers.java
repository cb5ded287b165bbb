package dev.agentmanager.examples.demo;

import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.AgentTasks;
import dev.agentmanager.task.RetryPolicy;
import dev.agentmanager.task.TaskControl;
import dev.agentmanager.task.TaskLease;
import dev.agentmanager.task.TaskQuery;
import dev.agentmanager.task.TaskReport;
import dev.agentmanager.task.TaskRequest;
import dev.agentmanager.task.TaskSelector;
import dev.agentmanager.task.TaskTarget;
import dev.agentmanager.task.TaskTimeouts;
import java.time.Duration;
import java.util.List;

/**
 * The task calls of the demo's JSON {@link Api}: each one call of {@link AgentTasks}. Agent calls are authenticated
 * by the thumbprint of the client certificate the mutual-TLS handshake verified.
 */
final class TaskHandlers {
    private final AgentTasks tasks;

    TaskHandlers(AgentTasks tasks) {
        this.tasks = tasks;
    }

    Api.TaskView submit(Api.TaskSubmit request) {
        TaskSelector selector = request.minimumVersion() == null
                ? TaskSelector.capability(request.capability())
                : TaskSelector.capability(request.capability(), request.minimumVersion());
        AgentTask task = tasks.submit(TaskRequest.builder(request.type(), TaskTarget.matching(selector))
                .json(request.payloadJson())
                .retry(request.idempotent() ? RetryPolicy.idempotent(3) : RetryPolicy.once())
                .timeouts(TaskTimeouts.defaults().withProgress(Duration.ofMillis(request.progressTimeoutMillis())))
                .build());
        return view(task);
    }

    List<Api.TaskView> list() {
        return tasks.find(TaskQuery.all().withLimit(TaskQuery.MAX_LIMIT)).stream()
                .map(TaskHandlers::view)
                .toList();
    }

    Api.TaskView view(String taskId) {
        AgentTask task =
                tasks.find(taskId).orElseThrow(() -> new dev.agentmanager.exception.TaskNotFoundException(taskId));
        Api.TaskView view = view(task);
        return new Api.TaskView(
                view.id(),
                view.type(),
                view.status(),
                view.attempt(),
                view.agentId(),
                view.percent(),
                view.message(),
                view.cancelRequested(),
                tasks.explain(taskId).reasons());
    }

    Api.TaskView cancel(String taskId) {
        return view(tasks.cancel(taskId));
    }

    List<Api.Assigned> claim(Api.ClaimRequest request, String thumbprint) {
        return tasks.claim(request.agentId(), thumbprint, request.max()).stream()
                .map(a -> new Api.Assigned(
                        a.lease().taskId(),
                        a.lease().attempt(),
                        a.type(),
                        a.payload().text(),
                        a.reportEvery().toMillis()))
                .toList();
    }

    Api.ReportReply report(Api.ReportRequest r, String thumbprint) {
        TaskLease lease = new TaskLease(r.taskId(), r.attempt());
        TaskReport report = switch (r.kind()) {
            case "started" -> new TaskReport.Started(lease);
            case "progress" -> new TaskReport.Progress(lease, r.percent(), r.message());
            case "succeeded" -> new TaskReport.Succeeded(lease, dev.agentmanager.task.TaskPayload.empty());
            case "failed" -> new TaskReport.Failed(lease, r.message() == null ? "failed" : r.message());
            case "cancelled" -> new TaskReport.Cancelled(lease);
            default -> throw new IllegalArgumentException("unknown report kind: " + r.kind());
        };
        TaskControl control = tasks.report(r.agentId(), thumbprint, report);
        return new Api.ReportReply(control.status().name(), control.cancelRequested());
    }

    private static Api.TaskView view(AgentTask task) {
        return new Api.TaskView(
                task.id(),
                task.request().type(),
                task.status().name(),
                task.state().attempt(),
                task.state().agentId(),
                task.state().percent(),
                task.state().message(),
                task.state().cancelRequested(),
                task.state().reason() == null ? List.of() : List.of(task.state().reason()));
    }
}
