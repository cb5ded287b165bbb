package dev.agentmanager.examples.demo;

import dev.agentmanager.examples.demo.Api.AgentView;
import java.io.IOException;
import java.net.http.HttpClient;
import java.util.List;
import java.util.Map;

/** The demo's operator: calls a replica's operator API with its bearer key, over server TLS. */
final class Operator {
    private final HttpClient http;

    Operator(String trustBundlePem) throws IOException {
        this.http = JsonHttp.client(JsonHttp.trusting(trustBundlePem));
    }

    <T> T get(DemoOrchestrator replica, String path, Class<T> type) throws IOException {
        return JsonHttp.get(http, replica.enrollmentUrl().resolve(path), replica.operatorKey(), type);
    }

    <T> T post(DemoOrchestrator replica, String path, Object body, Class<T> type) throws IOException {
        return JsonHttp.post(http, replica.enrollmentUrl().resolve(path), replica.operatorKey(), body, type);
    }

    /** {@code POST} without a body, e.g. {@code /v1/agents/{id}/revoke}. */
    <T> T post(DemoOrchestrator replica, String path, Class<T> type) throws IOException {
        return post(replica, path, Map.of(), type);
    }

    Api.TokenCreated createToken(DemoOrchestrator replica, String forAgent) throws IOException {
        return post(replica, "/v1/tokens", new Api.TokenRequest("demo agent " + forAgent, 600), Api.TokenCreated.class);
    }

    /** The fleet as the operator sees it. */
    List<AgentView> fleet(DemoOrchestrator replica) throws IOException {
        return List.of(get(replica, "/v1/agents", AgentView[].class));
    }
}
