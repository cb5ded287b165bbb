package dev.agentmanager.examples;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.AgentManager;
import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService;
import dev.agentmanager.ca.bouncycastle.client.AgentKeys;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.CreatedRegistrationToken;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.store.jdbc.JdbcAgentStore;
import java.nio.file.Path;

/**
 * The JDBC store on PostgreSQL with a HikariCP pool: what a host with a database wires at startup. Several
 * orchestrator replicas may do this against the same database.
 *
 * <pre>
 * java ... dev.agentmanager.examples.PostgresWithHikari 'jdbc:postgresql://127.0.0.1:5432/test?user=postgres'
 * </pre>
 */
public final class PostgresWithHikari {
    private PostgresWithHikari() {}

    /** What the host owns; {@link #close()} releases it in reverse order. */
    public record Orchestrator(
            HikariDataSource pool, JdbcAgentStore store, BouncyCastleCertificateService ca, AgentManager manager)
            implements AutoCloseable {
        @Override
        public void close() {
            manager.close(); // stops the timeout monitor
            store.close(); // writes the heartbeats it buffered
            pool.close();
        }
    }

    /**
     * Opens the pool, the store (creating its tables if missing), the CA and the manager, and starts the
     * timeout monitor.
     *
     * @param caDirectory where a generated development CA keeps its key and chain, so that every replica on this
     *     machine uses the same CA (in production every replica loads the same PKCS#12 or PEM files instead:
     *     {@code caFromPkcs12}); the certificates themselves are recorded in the database
     */
    public static Orchestrator open(String jdbcUrl, String tablePrefix, Path caDirectory) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setPoolName("agentmanager");
        config.setMaximumPoolSize(10); // heartbeats are buffered: a small pool carries a large fleet
        HikariDataSource pool = new HikariDataSource(config);
        try {
            JdbcAgentStore store = JdbcAgentStore.builder(pool)
                    .tablePrefix(tablePrefix)
                    .createSchemaIfMissing() // or migrate with Flyway: store-jdbc README, "Schema and Flyway"
                    .build();
            BouncyCastleCertificateService ca = BouncyCastleCertificateService.builder()
                    .generatedCaDirectory(caDirectory)
                    .build();
            AgentManager manager =
                    AgentManager.builder().store(store).certificateService(ca).build();
            manager.start();
            return new Orchestrator(pool, store, ca, manager);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /** Registers one agent and accepts its first heartbeat; returns the agent's id. */
    public static String registerOneAgent(AgentManager manager, String name) {
        CreatedRegistrationToken token = manager.createToken(RegistrationTokenRequest.oneTime(name));
        Registration registration = manager.register(RegistrationRequest.builder()
                .token(token.plaintext())
                .csrPem(AgentKeys.csrPem(AgentKeys.generate(), name))
                .name(name)
                .capability("docker", "24.0")
                .build());
        manager.heartbeatProcessor()
                .process(Heartbeat.of(
                        registration.agent().id(),
                        registration.certificate().thumbprint(),
                        System.currentTimeMillis(),
                        1));
        return registration.agent().id();
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: PostgresWithHikari <jdbc-url>");
            System.exit(2);
        }
        try (Orchestrator o =
                open(args[0], JdbcAgentStore.DEFAULT_TABLE_PREFIX, Path.of("target/postgres-example-ca"))) {
            String id = registerOneAgent(o.manager(), "pg-example-" + System.currentTimeMillis());
            System.out.println("registered " + id + "; the database now holds "
                    + o.store().countAgents(AgentStatus.ACTIVE) + " active agent(s)");
        }
    }
}
