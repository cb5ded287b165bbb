package dev.agentmanager.examples.demo;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JacksonException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.AgentManager;
import dev.agentmanager.RenewalPolicy;
import dev.agentmanager.Thumbprints;
import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService;
import dev.agentmanager.ca.bouncycastle.ServerTls;
import dev.agentmanager.ca.bouncycastle.client.AgentKeys;
import dev.agentmanager.event.AgentEventListener;
import dev.agentmanager.examples.demo.Api.AgentView;
import dev.agentmanager.examples.demo.Api.CapabilityView;
import dev.agentmanager.exception.AgentNotFoundException;
import dev.agentmanager.exception.AgentRevokedException;
import dev.agentmanager.exception.CertificateMismatchException;
import dev.agentmanager.exception.ConcurrentAgentModificationException;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.exception.RegistrationTokenRejectedException;
import dev.agentmanager.exception.StaleHeartbeatException;
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
import dev.agentmanager.store.jdbc.JdbcAgentStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.jspecify.annotations.Nullable;

/**
 * A small orchestrator, in-process: {@link AgentManager} on a {@link JdbcAgentStore} over an embedded H2 file
 * database, a {@link BouncyCastleCertificateService}, the timeout monitor, and the JSON API of {@link Api}
 * on two HTTPS endpoints of the JDK's {@link HttpsServer} on 127.0.0.1:
 * <ul>
 *   <li>the <b>enrollment</b> endpoint: server TLS only (agents have no certificate yet); operator calls
 *       need the operator key;</li>
 *   <li>the <b>agent</b> endpoint: mutual TLS through {@link ServerTls}, so a client certificate is required
 *       and a revoked or unknown one is refused in the handshake. The heartbeat carries the thumbprint of the
 *       certificate the handshake saw. Refusals close the connection, so the agent's next request goes
 *       through a full handshake again. Refused handshakes are recorded ({@link #refusedHandshakes()}).</li>
 * </ul>
 */
public final class DemoOrchestrator implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DemoOrchestrator.class.getName());

    /**
     * Timing of the demo.
     *
     * @param heartbeatInterval how often agents heartbeat
     * @param heartbeatTimeout when a silent agent counts as missing
     * @param sweepInterval how often the timeout monitor looks for missing agents
     * @param certificateLifetime lifetime of agents' certificates (the CA's minimum is one minute)
     * @param renewAt share of the lifetime after which agents are told to renew
     */
    public record Settings(
            Duration heartbeatInterval,
            Duration heartbeatTimeout,
            Duration sweepInterval,
            Duration certificateLifetime,
            double renewAt) {

        /** What {@code DemoMain} uses: 1 s heartbeats, 3 s timeout, 1 min certificates renewed after 6 s. */
        public static Settings demo() {
            return new Settings(
                    Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ofMillis(200), Duration.ofMinutes(1), 0.1);
        }

        /** For the automated test: heartbeats three times as often, timeout five heartbeats. */
        public static Settings fast() {
            return new Settings(
                    Duration.ofMillis(300),
                    Duration.ofMillis(1500),
                    Duration.ofMillis(100),
                    Duration.ofMinutes(1),
                    0.04);
        }
    }

    private final Settings settings;
    private final HikariDataSource database;
    private final JdbcAgentStore store;
    private final BouncyCastleCertificateService ca;
    private final AgentManager manager;
    private final HttpsServer enrollment;
    private final HttpsServer agents;
    private final ExecutorService executor;
    private final String operatorKey;
    private final List<RefusedHandshake> refusedHandshakes = new CopyOnWriteArrayList<>();

    /**
     * A client certificate the agent endpoint refused in the TLS handshake.
     *
     * @param agentId the agent the certificate was issued to (its subject's CN), or {@code null}
     */
    public record RefusedHandshake(Instant at, @Nullable String agentId, String serial, String reason) {}

    /**
     * Where a replica keeps its state, shared with the other replicas: the database and the generated CA's
     * directory (a demo CA; in production every replica loads the same PKCS#12 file).
     *
     * @param jdbcUrl the shared database (H2 file or server, PostgreSQL, MariaDB)
     * @param tablePrefix the store's table prefix
     * @param caDirectory where the demo CA's key and chain are (generated by the first replica)
     * @param operatorKey the bearer key operator calls need on every replica
     * @param revocationPropagation the bound within which a revocation binds every replica
     */
    public record Replica(
            String jdbcUrl, String tablePrefix, Path caDirectory, String operatorKey, Duration revocationPropagation) {

        /** The single-replica demo's: an H2 file database and the CA under {@code directory}, a new key. */
        public static Replica inDirectory(Path directory) {
            byte[] key = new byte[24];
            new SecureRandom().nextBytes(key);
            return new Replica(
                    "jdbc:h2:file:" + directory.resolve("fleet").toAbsolutePath() + ";LOCK_TIMEOUT=10000",
                    JdbcAgentStore.DEFAULT_TABLE_PREFIX,
                    directory.resolve("ca"),
                    Base64.getUrlEncoder().withoutPadding().encodeToString(key),
                    Duration.ofMillis(500));
        }
    }

    private DemoOrchestrator(Replica replica, Settings settings, AgentEventListener listener) throws IOException {
        this.settings = settings;
        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(replica.jdbcUrl());
        pool.setMaximumPoolSize(6);
        pool.setPoolName("demo-" + replica.tablePrefix());
        database = new HikariDataSource(pool);
        store = JdbcAgentStore.builder(database)
                .tablePrefix(replica.tablePrefix())
                .createSchemaIfMissing() // the embedded default
                .heartbeatFlushInterval(Duration.ofMillis(100))
                .build();
        ca = BouncyCastleCertificateService.builder()
                .generatedCaDirectory(replica.caDirectory())
                .certificateLifetime(settings.certificateLifetime())
                .clockSkewAllowance(Duration.ZERO) // one machine, one clock
                .build();
        manager = AgentManager.builder()
                .store(store)
                .certificateService(ca)
                .heartbeat(settings.heartbeatInterval(), settings.heartbeatTimeout())
                .sweepInterval(settings.sweepInterval())
                .renewal(new RenewalPolicy(settings.renewAt(), 0))
                .revocationPropagation(replica.revocationPropagation())
                .listener(listener)
                .build();
        manager.start();

        // The server's own certificate, from the same CA, for 127.0.0.1; the chain ends in the root that
        // agents pin on first contact.
        KeyPair serverKeys = AgentKeys.generate();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        X509Certificate serverCertificate = ca.issueServerCertificate(
                serverKeys.getPublic(), Set.of("localhost"), Set.of(loopback), Duration.ofDays(1));
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(serverCertificate);
        chain.addAll(ca.caCertificates());
        SSLContext tls = ServerTls.sslContext(
                serverKeys.getPrivate(),
                chain,
                new RefusalRecorder(ServerTls.agentTrustManager(manager), refusedHandshakes::add));
        SSLParameters serverOnly = tls.getDefaultSSLParameters();
        serverOnly.setProtocols(ServerTls.PROTOCOLS.toArray(String[]::new));
        SSLParameters mutual = ServerTls.sslParameters(tls); // client certificate required

        operatorKey = replica.operatorKey();
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "demo-https");
            t.setDaemon(true);
            return t;
        });
        enrollment = https(tls, serverOnly, loopback);
        agents = https(tls, mutual, loopback);

        enrollment.createContext("/v1/tokens", ex -> serve(ex, "POST", true, this::createToken));
        enrollment.createContext("/v1/register", ex -> serve(ex, "POST", false, this::register));
        enrollment.createContext("/v1/agents", ex -> {
            boolean list = ex.getRequestURI().getPath().equals("/v1/agents");
            serve(ex, list ? "GET" : "POST", true, list ? this::listAgents : this::operatorAction);
        });
        agents.createContext("/v1/heartbeat", ex -> serve(ex, "POST", false, this::heartbeat));
        agents.createContext("/v1/renew", ex -> serve(ex, "POST", false, this::renew));
        enrollment.start();
        agents.start();
    }

    /** Starts an orchestrator whose files (H2 database, CA) live in {@code directory}, emptied first. */
    public static DemoOrchestrator start(Path directory, Settings settings, AgentEventListener listener)
            throws IOException {
        deleteRecursively(directory);
        Files.createDirectories(directory);
        return new DemoOrchestrator(Replica.inDirectory(directory), settings, listener);
    }

    /** Starts one replica on state shared with others (nothing is deleted). */
    public static DemoOrchestrator startReplica(Replica replica, Settings settings, AgentEventListener listener)
            throws IOException {
        return new DemoOrchestrator(replica, settings, listener);
    }

    public AgentManager manager() {
        return manager;
    }

    public Settings settings() {
        return settings;
    }

    /** Where agents register and operators call. */
    public URI enrollmentUrl() {
        return url(enrollment);
    }

    /** Where agents heartbeat and renew, with their certificate. */
    public URI agentUrl() {
        return url(agents);
    }

    /** The bearer key of operator calls, new each run. */
    public String operatorKey() {
        return operatorKey;
    }

    /** The CA chain in PEM (for an operator's client, or {@code curl --cacert}). */
    public String trustBundlePem() {
        return manager.trustBundle().certificatesPem();
    }

    /** The client certificates refused in TLS handshakes so far, oldest first. */
    public List<RefusedHandshake> refusedHandshakes() {
        return List.copyOf(refusedHandshakes);
    }

    @Override
    public void close() {
        enrollment.stop(0);
        agents.stop(0);
        executor.shutdownNow();
        manager.close();
        store.close();
        database.close();
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
                        agentUrl().toString()));
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
        HeartbeatResponse response = manager.heartbeatProcessor().process(heartbeat.build());
        return new Reply(
                200,
                new Api.HeartbeatReply(
                        response.status().name(),
                        response.nextHeartbeatIn().toMillis(),
                        response.deadline().toString(),
                        response.renewCertificate()));
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
            case "revoke" -> manager.revoke(id);
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
                manager.certificates(agent.id()).size());
    }

    /** The SHA-256 of the client certificate the TLS handshake verified. */
    private static String clientThumbprint(HttpExchange ex) throws SSLPeerUnverifiedException {
        return Thumbprints.of(
                (X509Certificate) ((HttpsExchange) ex).getSSLSession().getPeerCertificates()[0]);
    }

    // ---- plumbing ----------------------------------------------------------------------------------------

    private record Reply(int status, Object body) {}

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
        } catch (AgentNotFoundException e) {
            return new Reply(404, new Api.Error(e.getMessage()));
        } catch (AgentRevokedException | CertificateMismatchException e) {
            return new Reply(403, new Api.Error(e.getMessage()));
        } catch (StaleHeartbeatException | ConcurrentAgentModificationException e) {
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

    private HttpsServer https(SSLContext tls, SSLParameters parameters, InetAddress address) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(address, 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                params.setSSLParameters(parameters);
            }
        });
        server.setExecutor(executor);
        return server;
    }

    private static URI url(HttpsServer server) {
        return URI.create("https://127.0.0.1:" + server.getAddress().getPort());
    }

    static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
