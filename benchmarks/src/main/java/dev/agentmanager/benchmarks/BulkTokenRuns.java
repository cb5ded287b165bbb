package dev.agentmanager.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.AgentManager;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.model.TokenScope;
import dev.agentmanager.store.jdbc.JdbcAgentStore;
import dev.agentmanager.testkit.FakeCertificateService;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Registration with one bulk (N-use) token as its use count grows, on the JDBC store (PostgreSQL when
 * {@code AGENTMANAGER_TEST_POSTGRESQL_URL} is set, else in-memory H2): the mean time of a registration among
 * the first 200 and among the last 200 of N, with the fake certificate authority so that only the token and the
 * store are measured. It must stay flat. Prints {@code RESULT} lines. Arguments: registrations (default 5,000).
 */
public final class BulkTokenRuns {
    private BulkTokenRuns() {}

    public static void main(String[] args) throws Exception {
        Fleet.quietLogging();
        int registrations = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        String url = System.getenv(JdbcHeartbeats.POSTGRESQL_URL);
        if (url == null || url.isBlank()) {
            url = "jdbc:h2:mem:bulk" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";
        }
        String prefix = String.format(
                Locale.ROOT, "b%010x_", ThreadLocalRandom.current().nextLong(1L << 40));
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(4);
        try (HikariDataSource pool = new HikariDataSource(config);
                JdbcAgentStore store = JdbcAgentStore.builder(pool)
                        .tablePrefix(prefix)
                        .createSchemaIfMissing()
                        .build()) {
            AgentManager manager = AgentManager.builder()
                    .store(store)
                    .certificateService(new FakeCertificateService(Clock.systemUTC()))
                    .build();
            String token = manager.createToken(new RegistrationTokenRequest(
                            "bulk", Duration.ofHours(1), TokenScope.UNRESTRICTED, registrations))
                    .plaintext();
            List<Long> nanos = new ArrayList<>(registrations);
            for (int i = 0; i < registrations; i++) {
                long start = System.nanoTime();
                manager.register(RegistrationRequest.builder()
                        .token(token)
                        .csr(FakeCertificateService.csrFor("bulk-" + i))
                        .name("bulk-" + i)
                        .build());
                nanos.add(System.nanoTime() - start);
            }
            int window = Math.min(200, registrations / 2);
            double first = mean(nanos.subList(0, window));
            double last = mean(nanos.subList(registrations - window, registrations));
            System.out.printf(
                    Locale.ROOT,
                    "registration with one %d-use token: %.2f ms among the first %d, %.2f ms among the last %d%n",
                    registrations,
                    first,
                    window,
                    last,
                    window);
            System.out.printf(Locale.ROOT, "RESULT bulk.first %.3f%nRESULT bulk.last %.3f%n", first, last);
            try (Connection c = pool.getConnection();
                    Statement s = c.createStatement()) {
                for (String table : JdbcHeartbeats.TABLES) {
                    s.execute("DROP TABLE IF EXISTS " + prefix + table);
                }
            }
        }
        System.exit(0);
    }

    /** The suite's row for this part, from the child's {@code RESULT} figures. */
    static String row(java.util.Map<String, Double> results) {
        Double first = results.get("bulk.first");
        Double last = results.get("bulk.last");
        if (first == null || last == null) {
            return "| registration with one bulk token, late vs early | missing | | | | |";
        }
        return String.format(
                Locale.ROOT,
                "| registration with one 5,000-use token (JDBC): the last 200 vs the first 200 | %.2f ms | %.2f ms | %.2f× | flat (≤ 1.2×) | %s |",
                last,
                first,
                last / first,
                last <= 1.2 * first ? "met" : "missed");
    }

    private static double mean(List<Long> nanos) {
        return nanos.stream().mapToLong(Long::longValue).average().orElse(0) / 1e6;
    }
}
