package dev.agentmanager.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.AgentManager;
import dev.agentmanager.exception.AgentManagerException;
import dev.agentmanager.exception.AgentRevokedException;
import dev.agentmanager.exception.CertificateMismatchException;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificateStatus;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.testkit.FakeCertificateService;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Two managers on two store instances and pools over one database, as two replicas run: the certificate
 * record lives in the store only, and a revocation on one replica binds the other once {@code revoke} returns.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class JdbcRevocationReplicaTest {
    private static final Duration BOUND = Duration.ofMillis(300);

    private StoreFixture fixture;
    private HikariDataSource poolB;
    private final Clock clock = Clock.systemUTC();
    private final FakeCertificateService ca = new FakeCertificateService(clock);
    private AgentManager a;
    private AgentManager b;

    abstract TestDatabase database();

    @BeforeAll
    void open() {
        fixture = new StoreFixture(database());
        poolB = fixture.newPool();
    }

    @AfterAll
    void close() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @BeforeEach
    void replicas() {
        fixture.clear();
        a = manager(fixture.pool);
        b = manager(poolB);
    }

    @AfterEach
    void stop() {
        a.close();
        b.close();
    }

    private AgentManager manager(HikariDataSource pool) {
        AgentManager manager = AgentManager.builder()
                .store(fixture.store(pool, clock, builder -> builder.heartbeatFlushInterval(Duration.ofMinutes(1))))
                .certificateService(ca)
                .revocationPropagation(BOUND)
                .build();
        manager.start();
        return manager;
    }

    private Registration enrol(AgentManager on, String name) {
        String token = on.createToken(RegistrationTokenRequest.oneTime(name)).plaintext();
        return on.register(RegistrationRequest.builder()
                .token(token)
                .csr(FakeCertificateService.csrFor(name))
                .name(name)
                .build());
    }

    @Test
    void an_agent_enrolled_on_one_replica_is_current_on_the_other() {
        Registration r = enrol(a, "web-01");

        assertThat(b.certificateValidity().check(r.certificate().thumbprint())).isEqualTo(CertificateStatus.CURRENT);
        b.heartbeatProcessor()
                .process(Heartbeat.of(r.agent().id(), r.certificate().thumbprint(), 1, 1));
        assertThat(a.certificateValidity().check(r.certificate().thumbprint())).isEqualTo(CertificateStatus.CURRENT);
        assertThat(b.certificateValidity().check("ab".repeat(32)))
                .as("signed nowhere, recorded nowhere")
                .isEqualTo(CertificateStatus.UNKNOWN);
    }

    @Test
    void once_revoke_returns_the_other_replica_refuses_checks_heartbeats_and_renewals() {
        Registration r = enrol(a, "web-01");
        String id = r.agent().id();
        String thumbprint = r.certificate().thumbprint();
        b.heartbeatProcessor().process(Heartbeat.of(id, thumbprint, 1, 1)); // B now caches it as current
        assertThat(b.certificateValidity().check(thumbprint)).isEqualTo(CertificateStatus.CURRENT);

        a.revoke(id);

        assertThat(b.certificateValidity().check(thumbprint)).isEqualTo(CertificateStatus.REVOKED);
        assertThatThrownBy(() -> b.heartbeatProcessor().process(Heartbeat.of(id, thumbprint, 1, 2)))
                .isInstanceOf(AgentRevokedException.class);
        assertThatThrownBy(() -> b.renewCertificate(id, thumbprint, FakeCertificateService.csrFor("web-01b")))
                .isInstanceOf(AgentRevokedException.class);
        assertThat(a.certificates(id)).allSatisfy(c -> assertThat(c.revokedAt()).isNotNull());
    }

    @Test
    void a_certificate_renewed_on_one_replica_works_on_the_other_and_retires_the_old_one_everywhere()
            throws InterruptedException {
        Registration r = enrol(a, "web-01");
        String id = r.agent().id();
        String old = r.certificate().thumbprint();
        a.heartbeatProcessor().process(Heartbeat.of(id, old, 1, 1));
        assertThat(a.certificateValidity().check(old)).isEqualTo(CertificateStatus.CURRENT);

        AgentCertificate renewed = b.renewCertificate(id, old, FakeCertificateService.csrFor("web-01-next"));
        a.heartbeatProcessor().process(Heartbeat.of(id, renewed.thumbprint(), 1, 2)); // promotes it on A

        assertThat(a.certificateValidity().check(old))
                .as("on the replica that retired it")
                .isEqualTo(CertificateStatus.REVOKED);
        Thread.sleep(BOUND.toMillis()); // the bound itself is what is tested: B may answer from its cache until then
        assertThat(b.certificateValidity().check(old)).isEqualTo(CertificateStatus.REVOKED);
        assertThat(b.certificateValidity().check(renewed.thumbprint())).isEqualTo(CertificateStatus.CURRENT);
        assertThatThrownBy(() -> b.heartbeatProcessor().process(Heartbeat.of(id, old, 1, 3)))
                .isInstanceOf(CertificateMismatchException.class);
    }

    @Test
    void no_heartbeat_that_starts_after_revoke_returned_is_accepted_on_the_other_replica() throws Exception {
        Registration r = enrol(a, "web-01");
        String id = r.agent().id();
        String thumbprint = r.certificate().thumbprint();
        AtomicLong sequence = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<Long> acceptedStarts = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> untyped = new ConcurrentLinkedQueue<>();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        List<Future<?>> beaters = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            beaters.add(threads.submit(() -> {
                while (!stop.get()) {
                    long started = System.nanoTime();
                    try {
                        b.heartbeatProcessor().process(Heartbeat.of(id, thumbprint, 1, sequence.incrementAndGet()));
                        acceptedStarts.add(started);
                    } catch (AgentManagerException refused) {
                        // stale (racing sequences) or revoked
                    } catch (RuntimeException e) {
                        untyped.add(e);
                    }
                }
            }));
        }
        try {
            Thread.sleep(100); // let the beaters run before the revocation
            a.revoke(id);
            long returned = System.nanoTime();
            Thread.sleep(BOUND.toMillis());
            stop.set(true);
            for (Future<?> f : beaters) {
                f.get(30, TimeUnit.SECONDS);
            }

            assertThat(untyped).isEmpty();
            assertThat(acceptedStarts).as("accepted before the revocation").isNotEmpty();
            assertThat(acceptedStarts).allSatisfy(start -> assertThat(start).isLessThan(returned));
        } finally {
            stop.set(true);
            threads.shutdownNow();
        }
    }
}
