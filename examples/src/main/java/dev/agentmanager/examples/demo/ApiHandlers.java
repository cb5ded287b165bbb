package dev.agentmanager.examples.demo;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JacksonException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import dev.agentmanager.AgentManager;
import dev.agentmanager.Thumbprints;
import dev.agentmanager.examples.demo.Api.AgentView;
import dev.agentmanager.examples.demo.Api.CapabilityView;
import dev.agentmanager.exception.AgentNotFoundException;
import dev.agentmanager.exception.AgentRevokedException;
import dev.agentmanager.exception.CertificateMismatchException;
import dev.agentmanager.exception.ConcurrentAgentModificationException;
import dev.agentmanager.exception.ConcurrentTaskModificationException;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.exception.RegistrationTokenRejectedException;
import dev.agentmanager.exception.StaleHeartbeatException;
import dev.agentmanager.exception.TaskFencedException;
import dev.agentmanager.exception.TaskNotFoundException;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentHealth;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.Capability;
import dev.agentmanager.model.CreatedRegistrationToken;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.HeartbeatResponse;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.task.TaskLease;
import dev.agentmanager.task.TaskQuery;
import dev.agentmanager.task.TaskStatus;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The handlers of the demo's JSON {@link Api} over an {@link AgentManager}: each request becomes one manager
 * call, each library exception one HTTP status. Operator calls need the operator's bearer key; agent calls on
 * the agent endpoint are authenticated by the client certificate the mutual-TLS handshake verified.
 */
final class ApiHandlers {
    private static final System.Logger LOG = System.getLogger(ApiHandlers.class.getName());

    private final AgentManager manager;
    private final String operatorKey;
    /** The agent endpoint registration tells agents about (known once the server is bound). */
    private final Supplier<URI> agentUrl;

    ApiHandlers(AgentManager manager, String operatorKey, Supplier<URI> agentUrl) {
        this.manager = manager;
        this.operatorKey = operatorKey;
        this.agentUrl = agentUrl;
    }

    /** Serves the enrollment and operator calls on {@code enrollment}, the agents' calls on {@code agents}. */
    void install(HttpsServer enrollment, HttpsServer agents) {
        enrollment.createContext("/v1/tokens", ex -> serve(ex, "POST", true, this::createToken));
        enrollment.createContext("/v1/register", ex -> serve(ex, "POST", false, this::register));
        enrollment.createContext("/v1/agents", ex -> {
            boolean list = ex.getRequestURI().getPath().equals("/v1/agents");
            serve(ex, list ? "GET" : "POST", true, list ? this::listAgents : this::operatorAction);
        });
        agents.createContext("/v1/heartbeat", ex -> serve(ex, "POST", false, this::heartbeat));
        agents.createContext("/v1/renew", ex -> serve(ex, "POST", false, this::renew));
        TaskHandlers tasks = new TaskHandlers(manager.tasks());
        enrollment.createContext("/v1/tasks", ex -> {
            String path = ex.getRequestURI().getPath();
            if (path.equals("/v1/tasks")) {
                boolean list = ex.getRequestMethod().equals("GET");
                serve(
                        ex,
                        list ? "GET" : "POST",
                        true,
                        (e, body) -> list
                                ? new Reply(200, tasks.list())
                                : new Reply(201, tasks.submit(Api.JSON.readValue(body, Api.TaskSubmit.class))));
            } else if (path.endsWith("/cancel")) {
                serve(ex, "POST", true, (e, body) -> new Reply(200, tasks.cancel(path.split("/")[3])));
            } else {
                serve(ex, "GET", true, (e, body) -> new Reply(200, tasks.view(path.split("/")[3])));
            }
        });
        agents.createContext(
                "/v1/tasks/claim",
                ex -> serve(
                        ex,
                        "POST",
                        false,
                        (e, body) -> new Reply(
                                200,
                                tasks.claim(Api.JSON.readValue(body, Api.ClaimRequest.class), clientThumbprint(e)))));
        agents.createContext(
                "/v1/tasks/report",
                ex -> serve(
                        ex,
                        "POST",
                        false,
                        (e, body) -> new Reply(
                                200,
                                tasks.report(Api.JSON.readValue(body, Api.ReportRequest.class), clientThumbprint(e)))));
    }

    // ---- handlers ----------------------------------------------------------------------------------------

    private Reply createToken(HttpExchange ex, byte[] body) throws IOException {
        Api.TokenRequest request = Api.JSON.readValue(body, Api.TokenRequest.class);
        CreatedRegistrationToken token = manager.createToken(RegistrationTokenRequest.builder()
                .description(request.description())
                .timeToLive(Duration.ofSeconds(request.timeToLiveSeconds()))
                .build());
        return new Reply(
                201,
                new Api.TokenCreated(
                        token.token().id(),
                        token.plaintext(),
                        token.trustAnchorSha256(),
                        token.token().expiresAt().toString()));
    }

    private Reply register(HttpExchange ex, byte[] body) throws IOException {
        Api.RegisterRequest request = Api.JSON.readValue(body, Api.RegisterRequest.class);
        RegistrationRequest.Builder registration = RegistrationRequest.builder()
                .token(request.token())
                .csrPem(request.csrPem())
                .name(request.name())
                .remoteAddress(ex.getRemoteAddress().getAddress().getHostAddress());
        for (CapabilityView c : request.capabilities()) {
            registration.capability(new Capability(c.name(), c.version()));
        }
        request.labels().forEach(registration::label);
        if (request.agentVersion() != null) {
            registration.agentVersion(request.agentVersion());
        }
        Registration registered = manager.register(registration.build());
        return new Reply(
                201,
                new Api.Registered(
                        registered.agent().id(),
                        registered.certificate().certificatePem(),
                        registered.trustBundle().certificatesPem(),
                        registered.heartbeatInterval().toMillis(),
                        agentUrl.get().toString()));
    }

    private Reply heartbeat(HttpExchange ex, byte[] body) throws IOException {
        Api.HeartbeatRequest request = Api.JSON.readValue(body, Api.HeartbeatRequest.class);
        Heartbeat.Builder heartbeat = Heartbeat.builder(request.agentId(), clientThumbprint(ex))
                .bootEpoch(request.bootEpoch())
                .sequence(request.sequence())
                .agentTime(Instant.parse(request.agentTime()));
        if (request.health() != null) {
            heartbeat.health(AgentHealth.valueOf(request.health()));
        }
        if (request.heldTasks() != null) {
            heartbeat.heldTasks(request.heldTasks().stream()
                    .map(h -> new TaskLease(h.taskId(), h.attempt()))
                    .toList());
        }
        HeartbeatResponse response = manager.heartbeatProcessor().process(heartbeat.build());
        return new Reply(
                200,
                new Api.HeartbeatReply(
                        response.status().name(),
                        response.nextHeartbeatIn().toMillis(),
                        response.deadline().toString(),
                        response.renewCertificate(),
                        response.tasks().waiting(),
                        response.tasks().stop().stream()
                                .map(s -> new Api.StopTask(
                                        s.lease().taskId(),
                                        s.lease().attempt(),
                                        s.reason().name()))
                                .toList()));
    }

    private Reply renew(HttpExchange ex, byte[] body) throws IOException {
        Api.RenewRequest request = Api.JSON.readValue(body, Api.RenewRequest.class);
        AgentCertificate renewed = manager.renewCertificate(
                request.agentId(), clientThumbprint(ex), request.csrPem().getBytes(US_ASCII));
        return new Reply(
                200,
                new Api.Renewed(
                        renewed.serial(),
                        renewed.certificatePem(),
                        renewed.notAfter().toString()));
    }

    private Reply listAgents(HttpExchange ex, byte[] body) {
        List<AgentView> views = manager.findAgents(AgentQuery.all()).stream()
                .map(this::view)
                .sorted(Comparator.comparing(AgentView::name))
                .toList();
        return new Reply(200, views);
    }

    /** {@code POST /v1/agents/{id}/deactivate|reactivate|revoke}. */
    private Reply operatorAction(HttpExchange ex, byte[] body) {
        String[] parts = ex.getRequestURI().getPath().split("/"); // "", v1, agents, id, action
        if (parts.length != 5) {
            return new Reply(404, new Api.Error("no such resource"));
        }
        String id = parts[3];
        Agent agent = switch (parts[4]) {
            case "deactivate" -> manager.deactivate(id);
            case "reactivate" -> manager.reactivate(id);
            case "revoke" -> manager.revoke(id); // returns once no replica accepts the agent any more
            default -> null;
        };
        return agent == null ? new Reply(404, new Api.Error("no such action")) : new Reply(200, view(agent));
    }

    private AgentView view(Agent agent) {
        List<CapabilityView> capabilities = agent.capabilities().stream()
                .map(c -> new CapabilityView(c.name(), c.version()))
                .sorted(Comparator.comparing(CapabilityView::name))
                .toList();
        Instant last = agent.liveness().lastHeartbeatAt();
        return new AgentView(
                agent.id(),
                agent.name(),
                agent.status().name(),
                agent.inactiveReason() == null ? null : agent.inactiveReason().name(),
                capabilities,
                last == null ? null : last.toString(),
                agent.certificate().serial(),
                manager.certificates(agent.id()).size(),
                manager.tasks()
                        .find(TaskQuery.status(TaskStatus.CLAIMED, TaskStatus.RUNNING)
                                .withAgent(agent.id()))
                        .size(),
                manager.tasks()
                        .find(TaskQuery.status(TaskStatus.SUCCEEDED)
                                .withAgent(agent.id())
                                .withLimit(TaskQuery.MAX_LIMIT))
                        .size());
    }

    /** The SHA-256 of the client certificate the TLS handshake verified. */
    private static String clientThumbprint(HttpExchange ex) throws SSLPeerUnverifiedException {
        return Thumbprints.of(
                (X509Certificate) ((HttpsExchange) ex).getSSLSession().getPeerCertificates()[0]);
    }

    // ---- plumbing ----------------------------------------------------------------------------------------

    record Reply(int status, Object body) {}

    @FunctionalInterface
    private interface Handler {
        Reply handle(HttpExchange exchange, byte[] body) throws IOException;
    }

    private void serve(HttpExchange ex, String method, boolean operator, Handler handler) throws IOException {
        Reply reply;
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            if (!ex.getRequestMethod().equals(method)) {
                reply = new Reply(405, new Api.Error("use " + method));
            } else if (operator && !isOperator(ex)) {
                reply = new Reply(401, new Api.Error("operator key required"));
            } else {
                reply = answer(ex, body, handler);
            }
            byte[] json = Api.JSON.writeValueAsBytes(reply.body());
            ex.getResponseHeaders().set("Content-Type", "application/json");
            if (reply.status() >= 400) {
                ex.getResponseHeaders().set("Connection", "close"); // the next request must shake hands again
            }
            ex.sendResponseHeaders(reply.status(), json.length);
            ex.getResponseBody().write(json);
        }
    }

    private static Reply answer(HttpExchange ex, byte[] body, Handler handler) {
        try {
            return handler.handle(ex, body);
        } catch (RegistrationTokenRejectedException e) {
            return new Reply(401, new Api.Error(e.getMessage())); // the same for every token problem
        } catch (InvalidRequestException | JacksonException | IllegalArgumentException e) {
            return new Reply(400, new Api.Error(e.getMessage()));
        } catch (AgentNotFoundException | TaskNotFoundException e) {
            return new Reply(404, new Api.Error(e.getMessage()));
        } catch (AgentRevokedException | CertificateMismatchException e) {
            return new Reply(403, new Api.Error(e.getMessage()));
        } catch (StaleHeartbeatException
                | ConcurrentAgentModificationException
                | TaskFencedException
                | ConcurrentTaskModificationException e) {
            return new Reply(409, new Api.Error(e.getMessage()));
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "request failed: " + ex.getRequestURI(), e);
            return new Reply(500, new Api.Error("internal error"));
        }
    }

    private boolean isOperator(HttpExchange ex) {
        String header = ex.getRequestHeaders().getFirst("Authorization");
        byte[] expected = ("Bearer " + operatorKey).getBytes(UTF_8);
        return header != null && MessageDigest.isEqual(header.getBytes(UTF_8), expected);
    }
}
