package dev.agentmanager.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.AgentManager;
import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService;
import dev.agentmanager.ca.bouncycastle.ServerTls;
import dev.agentmanager.ca.bouncycastle.client.AgentKeys;
import dev.agentmanager.ca.bouncycastle.client.AgentTls;
import dev.agentmanager.model.CertificateStatus;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.store.jdbc.JdbcAgentStore;
import dev.agentmanager.testkit.FakeCertificateService;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Revocation across replicas and the price of the validity check in the TLS handshake.
 *
 * <p><b>Propagation</b>: two managers on two store instances and pools over one database (PostgreSQL when
 * {@code AGENTMANAGER_TEST_POSTGRESQL_URL} is set, else in-memory H2), the default propagation bound, each
 * reading the revocation feed in the background. Agents are registered on A and known as current to B; then
 * A revokes them (several at once, since each {@code revoke} waits out the bound) while a watcher on B checks
 * each one until B refuses it. The delay is from the start of {@code revoke} on A to B's refusal; {@code revoke}
 * itself returns only after the bound.
 *
 * <p><b>Handshakes</b>: full TLS 1.3 handshakes (the client forgets each session), one client thread against a
 * server thread in this JVM, with the agent trust manager asking the manager's validity check, and the same
 * trust manager with a check that answers current without looking. Rounds alternate the two.
 *
 * <p>Prints {@code RESULT} lines for {@link BenchmarkSuite}. Arguments: revocations (default 100), handshake
 * rounds (default 6) of seconds each (default 2).
 */
public final class RevocationRuns {
    /** The line that names the database used. */
    static final String DATABASE_LINE = "REVOCATION-DATABASE ";

    private RevocationRuns() {}

    public static void main(String[] args) throws Exception {
        Fleet.quietLogging();
        int revocations = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 2;
        propagation(revocations);
        handshakes(rounds, seconds);
        System.exit(0);
    }

    static void propagation(int revocations) throws Exception {
        String url = System.getenv(JdbcHeartbeats.POSTGRESQL_URL);
        boolean postgres = url != null && !url.isBlank();
        if (!postgres) {
            url = "jdbc:h2:mem:revocation" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";
        }
        String prefix = String.format(
                Locale.ROOT, "r%010x_", ThreadLocalRandom.current().nextLong(1L << 40));
        FakeCertificateService ca = new FakeCertificateService(Clock.systemUTC());
        try (HikariDataSource poolA = pool(url);
                HikariDataSource poolB = pool(url)) {
            JdbcAgentStore storeA = JdbcAgentStore.builder(poolA)
                    .tablePrefix(prefix)
                    .createSchemaIfMissing()
                    .build();
            JdbcAgentStore storeB =
                    JdbcAgentStore.builder(poolB).tablePrefix(prefix).build();
            AgentManager a =
                    AgentManager.builder().store(storeA).certificateService(ca).build();
            AgentManager b =
                    AgentManager.builder().store(storeB).certificateService(ca).build();
            a.start();
            b.start();
            try {
                Map<String, Long> pending = new ConcurrentHashMap<>();
                List<Registration> agents = new ArrayList<>();
                for (int i = 0; i < revocations; i++) {
                    String token = a.createToken(RegistrationTokenRequest.oneTime("r" + i))
                            .plaintext();
                    Registration r = a.register(RegistrationRequest.builder()
                            .token(token)
                            .csr(FakeCertificateService.csrFor("revoked-" + i))
                            .name("revoked-" + i)
                            .build());
                    if (!b.certificateValidity()
                            .check(r.certificate().thumbprint())
                            .isCurrent()) {
                        throw new IllegalStateException(
                                "replica B does not know " + r.agent().id());
                    }
                    agents.add(r);
                }
                long[] delays = new long[revocations];
                long[] calls = new long[revocations];
                ExecutorService revokers = Executors.newFixedThreadPool(10);
                List<Future<?>> work = new ArrayList<>();
                for (int i = 0; i < revocations; i++) {
                    int k = i;
                    work.add(revokers.submit(() -> {
                        Registration r = agents.get(k);
                        long start = System.nanoTime();
                        pending.put(r.certificate().thumbprint(), start);
                        a.revoke(r.agent().id());
                        calls[k] = System.nanoTime() - start;
                        return null;
                    }));
                }
                Map<String, Integer> index = new ConcurrentHashMap<>();
                for (int i = 0; i < revocations; i++) {
                    index.put(agents.get(i).certificate().thumbprint(), i);
                }
                int seen = 0;
                while (seen < revocations) {
                    for (Map.Entry<String, Long> e : pending.entrySet()) {
                        if (b.certificateValidity().check(e.getKey()) == CertificateStatus.REVOKED) {
                            delays[index.get(e.getKey())] = System.nanoTime() - e.getValue();
                            pending.remove(e.getKey());
                            seen++;
                        }
                    }
                    Thread.onSpinWait();
                }
                for (Future<?> f : work) {
                    f.get(5, TimeUnit.MINUTES);
                }
                revokers.shutdown();
                Arrays.sort(delays);
                Arrays.sort(calls);
                String db = postgres ? "PostgreSQL" : "H2 (in-memory)";
                System.out.printf(
                        Locale.ROOT,
                        "%d revocations on %s: other replica refuses after median %.1f ms, max %.1f ms; "
                                + "revoke returns after median %.1f ms, max %.1f ms%n",
                        revocations,
                        db,
                        delays[revocations / 2] / 1e6,
                        delays[revocations - 1] / 1e6,
                        calls[revocations / 2] / 1e6,
                        calls[revocations - 1] / 1e6);
                System.out.println(DATABASE_LINE + db);
                result("revocation.count", revocations);
                result("revocation.delay.median", delays[revocations / 2] / 1e6);
                result("revocation.delay.max", delays[revocations - 1] / 1e6);
                result("revocation.call.median", calls[revocations / 2] / 1e6);
            } finally {
                a.close();
                b.close();
                storeA.close();
                storeB.close();
                try (var c = poolA.getConnection();
                        var s = c.createStatement()) {
                    for (String table : JdbcHeartbeats.TABLES) {
                        s.execute("DROP TABLE IF EXISTS " + prefix + table);
                    }
                }
            }
        }
    }

    static void handshakes(int rounds, double seconds) throws Exception {
        BouncyCastleCertificateService ca =
                BouncyCastleCertificateService.builder().build();
        AgentManager manager = AgentManager.builder()
                .store(new dev.agentmanager.store.inmemory.InMemoryAgentStore())
                .certificateService(ca)
                .build();
        KeyPair agentKeys = AgentKeys.generate();
        Registration agent = manager.register(RegistrationRequest.builder()
                .token(manager.createToken(RegistrationTokenRequest.oneTime("tls"))
                        .plaintext())
                .csrPem(AgentKeys.csrPem(agentKeys, "tls"))
                .name("tls")
                .build());
        SSLContext client = AgentTls.sslContext(
                agentKeys.getPrivate(), agent.certificate().certificatePem(), manager.trustBundle());
        KeyPair serverKeys = AgentKeys.generate();
        X509Certificate serverCertificate = ca.issueServerCertificate(
                serverKeys.getPublic(), Set.of(), Set.of(InetAddress.getLoopbackAddress()), Duration.ofDays(1));
        List<X509Certificate> chain = new ArrayList<>(List.of(serverCertificate));
        chain.addAll(ca.caCertificates());
        X509ExtendedTrustManager checked = ServerTls.agentTrustManager(manager);
        X509ExtendedTrustManager unchecked = ServerTls.agentTrustManager(
                manager.trustBundle(), thumbprint -> CertificateStatus.CURRENT, Clock.systemUTC());
        double[] withCheck = new double[rounds];
        double[] without = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            boolean checkedFirst = r % 2 == 0;
            double first = rate(
                    ServerTls.sslContext(serverKeys.getPrivate(), chain, checkedFirst ? checked : unchecked),
                    client,
                    seconds);
            double second = rate(
                    ServerTls.sslContext(serverKeys.getPrivate(), chain, checkedFirst ? unchecked : checked),
                    client,
                    seconds);
            withCheck[r] = checkedFirst ? first : second;
            without[r] = checkedFirst ? second : first;
        }
        Arrays.sort(withCheck);
        Arrays.sort(without);
        double median = withCheck[rounds / 2];
        double baseline = without[rounds / 2];
        System.out.printf(
                Locale.ROOT,
                "full TLS 1.3 handshakes/s, one client thread: %.0f with the validity check, %.0f without (%.3f×)%n",
                median,
                baseline,
                median / baseline);
        result("handshake.checked", median);
        result("handshake.unchecked", baseline);
        result("handshake.ratio", median / baseline);
    }

    /** Full handshakes per second for {@code seconds}: each connection writes a byte and reads it back. */
    private static double rate(SSLContext server, SSLContext client, double seconds) throws Exception {
        try (SSLServerSocket socket = (SSLServerSocket)
                server.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            socket.setSSLParameters(ServerTls.sslParameters(server));
            Thread acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try (SSLSocket s = (SSLSocket) socket.accept();
                            InputStream in = nodelay(s).getInputStream();
                            OutputStream out = s.getOutputStream()) {
                        out.write(in.read());
                        out.flush();
                    } catch (Exception closedOrRefused) {
                        // the next connection
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            long end = System.nanoTime() + (long) (seconds * 1e9);
            long start = System.nanoTime();
            int count = 0;
            while (System.nanoTime() < end) {
                try (SSLSocket s = nodelay((SSLSocket) client.getSocketFactory()
                        .createSocket(InetAddress.getLoopbackAddress(), socket.getLocalPort()))) {
                    s.getOutputStream().write(1);
                    s.getOutputStream().flush();
                    if (s.getInputStream().read() != 1) {
                        throw new IllegalStateException("handshake refused");
                    }
                    s.getSession().invalidate(); // no resumption: every connection a full handshake
                }
                count++;
            }
            return count * 1e9 / (System.nanoTime() - start);
        }
    }

    /** Small writes go out at once: otherwise delayed acknowledgements, not TLS, set the pace. */
    private static SSLSocket nodelay(SSLSocket socket) throws java.net.SocketException {
        socket.setTcpNoDelay(true);
        return socket;
    }

    private static HikariDataSource pool(String url) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(12);
        return new HikariDataSource(config);
    }

    private static void result(String key, double value) {
        System.out.printf(Locale.ROOT, "RESULT %s %.3f%n", key, value);
    }

    /** The suite's rows for this part, from the child's {@code RESULT} figures. */
    static List<String> rows(Map<String, Double> results, String database) {
        List<String> rows = new ArrayList<>();
        Double median = results.get("revocation.delay.median");
        Double max = results.get("revocation.delay.max");
        rows.add(
                median == null || max == null
                        ? "| revocation seen by the other replica | missing | | | | |"
                        : String.format(
                                Locale.ROOT,
                                "| revocation on replica A refused by replica B (%,.0f revocations, %s; from the start of revoke) | median %.0f ms, max %.0f ms | bound 2,000 ms | | ≤ bound | %s |",
                                results.get("revocation.count"),
                                database,
                                median,
                                max,
                                max <= 2000 ? "met" : "missed"));
        Double ratio = results.get("handshake.ratio");
        rows.add(
                ratio == null
                        ? "| TLS handshakes with the validity check | missing | | | | |"
                        : String.format(
                                Locale.ROOT,
                                "| full TLS 1.3 handshakes/s, one client thread, with the validity check vs without | %,.0f/s | %,.0f/s | %.3f× | measured | |",
                                results.get("handshake.checked"),
                                results.get("handshake.unchecked"),
                                ratio));
        return rows;
    }
}
