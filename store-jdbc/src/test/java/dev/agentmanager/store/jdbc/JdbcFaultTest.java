package dev.agentmanager.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.AgentManager;
import dev.agentmanager.exception.AgentManagerException;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.CertificateRequest;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.model.TrustBundle;
import dev.agentmanager.spi.CrlContent;
import dev.agentmanager.spi.IAgentCertificateService;
import dev.agentmanager.testkit.FakeCertificateService;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Faults on a real database, through a TCP proxy between the store's pool and the server: every open connection
 * dropped mid-statement (twice, while registrations, heartbeats and revocations run and the buffer flushes every
 * 50 ms), then the database unreachable for two seconds and back; and a certificate authority that fails after
 * signing. Afterwards no acknowledged state change is missing, no token was used without its agent, no agent is
 * INACTIVE, and the store serves again by itself.
 */
abstract class JdbcFaultTest {
    private static final Pattern HOST_PORT = Pattern.compile("//([^:/?]+):(\\d+)");

    abstract TestDatabase database();

    @Test
    @Timeout(180)
    void droppedConnectionsAndADatabaseDownAndBackLoseNothingAcknowledged() throws Exception {
        String direct = database().url();
        Matcher m = HOST_PORT.matcher(direct);
        assertThat(m.find()).as("host and port in " + direct).isTrue();
        String prefix = TestDatabase.uniquePrefix();
        try (TcpProxy proxy = new TcpProxy(m.group(1), Integer.parseInt(m.group(2)));
                HikariDataSource verifierPool = database().pool(direct, 2)) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(
                    direct.substring(0, m.start()) + "//127.0.0.1:" + proxy.port() + direct.substring(m.end()));
            config.setMaximumPoolSize(4);
            config.setConnectionTimeout(2_000);
            config.setValidationTimeout(1_000);
            HikariDataSource pool = new HikariDataSource(config);
            JdbcAgentStore store = JdbcAgentStore.builder(pool)
                    .tablePrefix(prefix)
                    .createSchemaIfMissing()
                    .heartbeatFlushInterval(Duration.ofMillis(50))
                    .build();
            AgentManager manager = AgentManager.builder()
                    .store(store)
                    .certificateService(new FakeCertificateService(Clock.systemUTC()))
                    .revocationPropagation(Duration.ofMillis(50))
                    .build();
            Workload work = new Workload(manager);
            try {
                work.start();
                Thread.sleep(700);
                proxy.cutConnections();
                Thread.sleep(700);
                proxy.cutConnections();
                Thread.sleep(700);
                proxy.stop(); // the database is down
                Thread.sleep(2_000);
                proxy.start(); // and back
                long back = System.nanoTime();
                int before = work.registered.size();
                while (work.registered.size() <= before + 3) { // serving again by itself
                    assertThat(System.nanoTime() - back)
                            .as("recovered within 60 s")
                            .isLessThan(60_000_000_000L);
                    Thread.sleep(20);
                }
                System.out.printf(
                        "%s: serving again %.0f ms after the database came back; %d registrations,"
                                + " %d refused during the faults%n",
                        database(), (System.nanoTime() - back) / 1e6, work.registered.size(), work.failed.get());
            } finally {
                work.stop();
                manager.close();
                store.close();
                pool.close();
            }

            JdbcAgentStore verifier =
                    JdbcAgentStore.builder(verifierPool).tablePrefix(prefix).build();
            try {
                for (String id : work.registered.keySet()) {
                    assertThat(verifier.findAgent(id))
                            .as("acknowledged registration " + id)
                            .isPresent();
                }
                for (String id : work.revoked) {
                    assertThat(verifier.findAgent(id).orElseThrow().status()).isEqualTo(AgentStatus.REVOKED);
                }
                List<Agent> all =
                        verifier.findAgents(AgentQuery.builder().limit(10_000).build());
                assertThat(all).noneMatch(a -> a.status() == AgentStatus.INACTIVE);
                for (String tokenId : work.tokens) {
                    RegistrationToken token = verifier.findToken(tokenId).orElseThrow();
                    long agents = all.stream()
                            .filter(a -> tokenId.equals(a.registrationTokenId()))
                            .count();
                    assertThat(token.uses())
                            .as("token " + tokenId + ": a use only with its agent")
                            .isEqualTo(agents);
                }
            } finally {
                verifier.close();
                TestDatabase.drop(verifierPool, prefix);
            }
        }
    }

    @Test
    void anAuthorityThatFailsAfterSigningBurnsNoToken() {
        FakeCertificateService real = new FakeCertificateService(Clock.systemUTC());
        AtomicBoolean failOnce = new AtomicBoolean(true);
        IAgentCertificateService flaky = new IAgentCertificateService() {
            @Override
            public CertificateRequest decodeRequest(byte[] pemOrDer) {
                return real.decodeRequest(pemOrDer);
            }

            @Override
            public AgentCertificate issue(String agentId, CertificateRequest request) {
                AgentCertificate signed = real.issue(agentId, request);
                if (failOnce.getAndSet(false)) {
                    throw new IllegalStateException("connection to the HSM lost after signing " + signed.serial());
                }
                return signed;
            }

            @Override
            public byte[] signCrl(CrlContent content) {
                return real.signCrl(content);
            }

            @Override
            public TrustBundle trustBundle() {
                return real.trustBundle();
            }
        };
        try (StoreFixture fixture = new StoreFixture(database())) {
            AgentManager manager = AgentManager.builder()
                    .store(fixture.store(Clock.systemUTC()))
                    .certificateService(flaky)
                    .build();
            String token =
                    manager.createToken(RegistrationTokenRequest.oneTime("hsm")).plaintext();
            RegistrationRequest request = RegistrationRequest.builder()
                    .token(token)
                    .csr(FakeCertificateService.csrFor("hsm"))
                    .name("hsm")
                    .build();

            org.assertj.core.api.Assertions.assertThatThrownBy(() -> manager.register(request))
                    .isInstanceOf(AgentManagerException.class);
            Registration retried = manager.register(request);

            assertThat(retried.agent().status()).isEqualTo(AgentStatus.PENDING);
            assertThat(manager.certificateValidity()
                            .check(real.issuedCertificates().get(0).thumbprint()))
                    .as("the certificate signed for the failed attempt never became valid")
                    .isNotEqualTo(dev.agentmanager.model.CertificateStatus.CURRENT);
        }
    }

    /** Registrations, heartbeats and revocations on three threads; what was acknowledged is recorded. */
    private static final class Workload {
        final Map<String, Registration> registered = new ConcurrentHashMap<>();
        final Set<String> revoked = ConcurrentHashMap.newKeySet();
        final Set<String> tokens = ConcurrentHashMap.newKeySet();
        final AtomicInteger failed = new AtomicInteger();
        private final Map<String, Long> sequences = new ConcurrentHashMap<>();
        private final AgentManager manager;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();

        Workload(AgentManager manager) {
            this.manager = manager;
        }

        void start() {
            threads.add(loop(this::registerOne));
            threads.add(loop(this::beatAll));
            threads.add(loop(this::revokeOne));
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join(30_000);
            }
        }

        private Thread loop(Runnable step) {
            Thread t = new Thread(() -> {
                while (running.get()) {
                    try {
                        step.run();
                    } catch (AgentManagerException | IllegalStateException fault) {
                        failed.incrementAndGet(); // refused while the database was unreachable: allowed
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            return t;
        }

        private void registerOne() {
            var created = manager.createToken(RegistrationTokenRequest.oneTime("fault"));
            tokens.add(created.token().id());
            String name = "agent-" + created.token().id();
            Registration r = manager.register(RegistrationRequest.builder()
                    .token(created.plaintext())
                    .csr(FakeCertificateService.csrFor(name))
                    .name(name)
                    .build());
            registered.put(r.agent().id(), r);
        }

        private void beatAll() {
            for (Registration r : registered.values()) {
                if (!revoked.contains(r.agent().id())) {
                    long next = sequences.merge(r.agent().id(), 1L, Long::sum);
                    try {
                        manager.heartbeatProcessor()
                                .process(Heartbeat.of(
                                        r.agent().id(), r.certificate().thumbprint(), 1, next));
                    } catch (dev.agentmanager.exception.AgentRevokedException racedARevoke) {
                        // revoked meanwhile
                    }
                }
            }
            sleep(10);
        }

        private void revokeOne() {
            for (Registration r : registered.values()) {
                if (revoked.size() * 5 < registered.size()
                        && !revoked.contains(r.agent().id())) {
                    manager.revoke(r.agent().id());
                    revoked.add(r.agent().id());
                    break;
                }
            }
            sleep(50);
        }

        private static void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
