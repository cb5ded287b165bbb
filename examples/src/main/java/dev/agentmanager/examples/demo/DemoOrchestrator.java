package dev.agentmanager.examples.demo;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.AgentManager;
import dev.agentmanager.RenewalPolicy;
import dev.agentmanager.TaskSettings;
import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService;
import dev.agentmanager.ca.bouncycastle.ServerTls;
import dev.agentmanager.ca.bouncycastle.client.AgentKeys;
import dev.agentmanager.event.AgentEventListener;
import dev.agentmanager.store.jdbc.JdbcAgentStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
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
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.jspecify.annotations.Nullable;

/**
 * A small orchestrator, in-process: {@link AgentManager} on a {@link JdbcAgentStore} (by default over an
 * embedded H2 file database), a {@link BouncyCastleCertificateService}, the timeout monitor, and the JSON API
 * of {@link Api} ({@link ApiHandlers}) on two HTTPS endpoints of the JDK's {@link HttpsServer} on 127.0.0.1:
 * <ul>
 *   <li>the <b>enrollment</b> endpoint: server TLS only (agents have no certificate yet); operator calls
 *       need the operator key;</li>
 *   <li>the <b>agent</b> endpoint: mutual TLS through {@link ServerTls}, so a client certificate is required
 *       and a revoked or unknown one is refused in the handshake. The heartbeat carries the thumbprint of the
 *       certificate the handshake saw. Refusals close the connection, so the agent's next request goes
 *       through a full handshake again. Refused handshakes are recorded ({@link #refusedHandshakes()}).</li>
 * </ul>
 * {@link #start} runs the single-replica demo on fresh files; {@link #startReplica} runs one of several
 * replicas on a database and a CA directory shared with the others, deleting nothing.
 */
public final class DemoOrchestrator implements AutoCloseable {
    /**
     * How often a replica writes the heartbeats it buffers: a replica that crashes loses at most about this much
     * liveness (never a state change); see {@link JdbcAgentStore}.
     */
    public static final Duration HEARTBEAT_FLUSH_INTERVAL = Duration.ofMillis(100);

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

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
    private final List<Consumer<RefusedHandshake>> refusalListeners = new CopyOnWriteArrayList<>();

    /**
     * A client certificate the agent endpoint refused in the TLS handshake.
     *
     * @param agentId the agent the certificate was issued to (its subject's CN), or {@code null}
     */
    public record RefusedHandshake(Instant at, @Nullable String agentId, String serial, String reason) {}

    /**
     * Where a replica keeps its state, shared with the other replicas: the database and the generated CA's
     * directory (a demo CA; in production every replica loads the same PKCS#12 file), and where it listens.
     *
     * @param jdbcUrl the shared database: an H2 file (several pools in one JVM), H2 in server mode or with
     *     {@code AUTO_SERVER=TRUE} (several processes), PostgreSQL, MariaDB
     * @param tablePrefix the store's table prefix (tables are created if missing)
     * @param caDirectory where the demo CA's key and chain are (generated by the first replica, read by the others)
     * @param operatorKey the bearer key operator calls need; give every replica the same one
     * @param revocationPropagation the bound within which a revocation binds every replica; {@code revoke}
     *     waits it out
     * @param enrollmentPort the enrollment endpoint's port on 127.0.0.1, 0 for a free one
     * @param agentPort the agent endpoint's port on 127.0.0.1, 0 for a free one
     */
    public record Replica(
            String jdbcUrl,
            String tablePrefix,
            Path caDirectory,
            String operatorKey,
            Duration revocationPropagation,
            int enrollmentPort,
            int agentPort) {

        public Replica {
            if (enrollmentPort < 0 || enrollmentPort > 65535 || agentPort < 0 || agentPort > 65535) {
                throw new IllegalArgumentException("ports must be within 0..65535");
            }
            if (revocationPropagation.isNegative() || revocationPropagation.isZero()) {
                throw new IllegalArgumentException("the revocation propagation bound must be positive");
            }
        }

        /** On free ports. */
        public Replica(
                String jdbcUrl,
                String tablePrefix,
                Path caDirectory,
                String operatorKey,
                Duration revocationPropagation) {
            this(jdbcUrl, tablePrefix, caDirectory, operatorKey, revocationPropagation, 0, 0);
        }

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

        /** The same replica listening on these ports. */
        public Replica withPorts(int enrollmentPort, int agentPort) {
            return new Replica(
                    jdbcUrl, tablePrefix, caDirectory, operatorKey, revocationPropagation, enrollmentPort, agentPort);
        }
    }

    private DemoOrchestrator(Replica replica, Settings settings, AgentEventListener listener) throws IOException {
        this.settings = settings;
        this.operatorKey = replica.operatorKey();
        // Everything opened so far, closed again if a later step fails (a port in use, an unreachable database).
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            HikariConfig pool = new HikariConfig();
            pool.setJdbcUrl(replica.jdbcUrl());
            pool.setMaximumPoolSize(6);
            pool.setPoolName("demo-" + replica.tablePrefix());
            database = opened(opened, new HikariDataSource(pool));
            store = opened(
                    opened,
                    JdbcAgentStore.builder(database)
                            .tablePrefix(replica.tablePrefix())
                            .createSchemaIfMissing() // the embedded default; the first replica creates them
                            .heartbeatFlushInterval(HEARTBEAT_FLUSH_INTERVAL)
                            .build());
            ca = BouncyCastleCertificateService.builder()
                    .generatedCaDirectory(replica.caDirectory())
                    .certificateLifetime(settings.certificateLifetime())
                    .clockSkewAllowance(Duration.ZERO) // one machine, one clock
                    .build();
            manager = opened(
                    opened,
                    AgentManager.builder()
                            .store(store)
                            .certificateService(ca)
                            .heartbeat(settings.heartbeatInterval(), settings.heartbeatTimeout())
                            .sweepInterval(settings.sweepInterval())
                            .renewal(new RenewalPolicy(settings.renewAt(), 0))
                            .revocationPropagation(replica.revocationPropagation())
                            .taskStore(store.taskStore())
                            // an agent that stops answering loses its started task after one more timeout
                            .tasks(TaskSettings.defaults()
                                    .withLostAfter(settings.heartbeatTimeout())
                                    .withHintRefresh(
                                            settings.heartbeatInterval().dividedBy(2)))
                            .listener(listener)
                            .build());
            manager.start();

            SSLContext tls = serverTls();
            SSLParameters serverOnly = tls.getDefaultSSLParameters();
            serverOnly.setProtocols(ServerTls.PROTOCOLS.toArray(String[]::new));
            SSLParameters mutual = ServerTls.sslParameters(tls); // client certificate required

            executor = Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "demo-https");
                t.setDaemon(true);
                return t;
            });
            opened.add(executor::shutdownNow);
            enrollment = https(tls, serverOnly, replica.enrollmentPort());
            opened.add(() -> enrollment.stop(0));
            agents = https(tls, mutual, replica.agentPort());
            opened.add(() -> agents.stop(0));
            new ApiHandlers(manager, operatorKey, this::agentUrl).install(enrollment, agents);
            enrollment.start();
            agents.start();
        } catch (IOException | RuntimeException e) {
            for (int i = opened.size() - 1; i >= 0; i--) {
                try {
                    opened.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static <T extends AutoCloseable> T opened(List<AutoCloseable> opened, T resource) {
        opened.add(resource);
        return resource;
    }

    /**
     * The endpoints' TLS: the server's own certificate, from the same CA, for 127.0.0.1; the chain ends in the
     * root that agents pin on first contact. Client certificates go through {@link ServerTls}'s trust manager,
     * which asks the manager's validity check, and refusals are recorded.
     */
    private SSLContext serverTls() {
        KeyPair serverKeys = AgentKeys.generate();
        X509Certificate serverCertificate = ca.issueServerCertificate(
                serverKeys.getPublic(), Set.of("localhost"), Set.of(LOOPBACK), Duration.ofDays(1));
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(serverCertificate);
        chain.addAll(ca.caCertificates());
        return ServerTls.sslContext(
                serverKeys.getPrivate(),
                chain,
                new RefusalRecorder(ServerTls.agentTrustManager(manager), this::refused));
    }

    private void refused(RefusedHandshake refusal) {
        refusedHandshakes.add(refusal);
        for (Consumer<RefusedHandshake> listener : refusalListeners) {
            listener.accept(refusal);
        }
    }

    /** Starts an orchestrator whose files (H2 database, CA) live in {@code directory}, emptied first. */
    public static DemoOrchestrator start(Path directory, Settings settings, AgentEventListener listener)
            throws IOException {
        deleteRecursively(directory);
        Files.createDirectories(directory);
        return new DemoOrchestrator(Replica.inDirectory(directory), settings, listener);
    }

    /**
     * Starts one replica on state shared with others: nothing is deleted; the tables and the CA are created
     * only if missing.
     */
    public static DemoOrchestrator startReplica(Replica replica, Settings settings, AgentEventListener listener)
            throws IOException {
        return new DemoOrchestrator(replica, settings, listener);
    }

    /** Calls {@code listener} with every client certificate refused in a handshake from now on. */
    public void onRefusedHandshake(Consumer<RefusedHandshake> listener) {
        refusalListeners.add(listener);
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

    private HttpsServer https(SSLContext tls, SSLParameters parameters, int port) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(LOOPBACK, port), 0);
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
