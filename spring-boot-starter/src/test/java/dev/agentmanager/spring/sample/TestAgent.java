package dev.agentmanager.spring.sample;

import dev.agentmanager.ca.bouncycastle.client.AgentKeys;
import dev.agentmanager.ca.bouncycastle.client.AgentTls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import javax.net.ssl.SSLContext;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real agent as the library's agent-side helpers make one: its own key pair and CSR, enrolment over HTTPS with
 * a one-time token, then heartbeats over mutual TLS with the issued certificate. Each call opens a new connection
 * (a new client), so each heartbeat goes through a TLS handshake.
 */
final class TestAgent {
    static final JsonMapper JSON = JsonMapper.builder().build();

    private final KeyPair keys = AgentKeys.generate(); // the private key never leaves the agent
    private final long bootEpoch = System.currentTimeMillis();
    private long sequence;
    private String agentId = "";
    private String certificatePem = "";
    private String trustBundlePem = "";

    /** Registers with {@code token} at the application's HTTPS port, whose certificate {@code webTls} trusts. */
    static TestAgent enrol(URI application, SSLContext webTls, String token, String trustPin, String name)
            throws IOException, InterruptedException {
        TestAgent agent = new TestAgent();
        HttpResponse<String> response = post(
                HttpClient.newBuilder().sslContext(webTls).build(),
                application.resolve("/agents/register"),
                new AgentApi.RegisterRequest(token, AgentKeys.csrPem(agent.keys, name), name));
        if (response.statusCode() != 200) {
            throw new IOException("registration refused: " + response.statusCode());
        }
        AgentApi.Registered registered = JSON.readValue(response.body(), AgentApi.Registered.class);
        AgentTls.verifyPin(registered.trustBundlePem(), trustPin); // from now on trust only the pinned agent CA
        agent.agentId = registered.agentId();
        agent.certificatePem = registered.certificatePem();
        agent.trustBundlePem = registered.trustBundlePem();
        return agent;
    }

    String agentId() {
        return agentId;
    }

    String certificatePem() {
        return certificatePem;
    }

    /** One heartbeat over a new mutual-TLS connection to {@code endpoint}. */
    HttpResponse<String> heartbeat(URI endpoint) throws IOException, InterruptedException {
        return heartbeat(endpoint, trustBundlePem);
    }

    /** One heartbeat with its certificate to a server whose certificate chains to {@code serverTrustPem}. */
    HttpResponse<String> heartbeat(URI endpoint, String serverTrustPem) throws IOException, InterruptedException {
        SSLContext tls = AgentTls.sslContext(keys.getPrivate(), certificatePem, serverTrustPem);
        HttpClient client = HttpClient.newBuilder()
                .sslContext(tls)
                .sslParameters(AgentTls.sslParameters(tls))
                .build();
        return post(client, endpoint.resolve("/agents/heartbeat"), new AgentApi.Beat(bootEpoch, ++sequence));
    }

    /** Its heartbeat as an agent without a certificate would send it: server TLS only. */
    static HttpResponse<String> heartbeatWithoutCertificate(URI endpoint, SSLContext serverTrust)
            throws IOException, InterruptedException {
        return post(
                HttpClient.newBuilder().sslContext(serverTrust).build(),
                endpoint.resolve("/agents/heartbeat"),
                new AgentApi.Beat(1, 1));
    }

    private static HttpResponse<String> post(HttpClient client, URI uri, Object body)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
