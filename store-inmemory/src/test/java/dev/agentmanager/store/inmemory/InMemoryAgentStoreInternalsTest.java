package dev.agentmanager.store.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Capability;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.spi.HeartbeatWrite;
import dev.agentmanager.testkit.FakeCertificateService;
import dev.agentmanager.testkit.MutableClock;
import dev.agentmanager.testkit.TestAgents;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** What the contract cannot see: allocation on the hot path, sharing of values, the deadline index's cost. */
class InMemoryAgentStoreInternalsTest {

    private static final Instant T0 = MutableClock.DEFAULT_START;

    private final InMemoryAgentStore store = new InMemoryAgentStore();

    private Agent register(TestAgents.NewAgent a) {
        String tokenId = "tok-" + a.agent().id();
        store.insertToken(TestAgents.oneTimeToken(tokenId, T0));
        assertThat(store.registerAgent(tokenId, TestAgents.redemption(a.agent().id(), T0), T0, a.agent(),
                a.certificate())).isTrue();
        return a.agent();
    }

    private Agent register(String id) {
        return register(TestAgents.newAgent(id, T0));
    }

    @Test
    void aLivenessOnlyHeartbeatAllocatesNothing() {
        assumeThat(ManagementFactory.getThreadMXBean()).isInstanceOf(com.sun.management.ThreadMXBean.class);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeThat(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled()).isTrue();
        register("agent-001");
        Instant[] received = new Instant[64];
        Instant[] deadlines = new Instant[64];
        for (int i = 0; i < received.length; i++) {
            received[i] = T0.plusMillis(i);
            deadlines[i] = T0.plusSeconds(90).plusMillis(i);
        }
        Duration skew = Duration.ofMillis(-12);
        long seq = 0;
        for (int i = 0; i < 20_000; i++) { // warm up, and let the JIT do its work
            store.recordHeartbeat("agent-001", 1, 1, seq++, received[i & 63], deadlines[i & 63], skew);
        }
        long tid = Thread.currentThread().getId();
        int beats = 100_000;

        long before = threads.getThreadAllocatedBytes(tid);
        int accepted = 0;
        for (int i = 0; i < beats; i++) {
            if (store.recordHeartbeat("agent-001", 1, 1, seq++, received[i & 63], deadlines[i & 63], skew)
                    == HeartbeatWrite.ACCEPTED) {
                accepted++;
            }
        }
        long allocated = threads.getThreadAllocatedBytes(tid) - before;

        assertThat(accepted).isEqualTo(beats);
        assertThat(allocated).as("bytes allocated by %d heartbeats", beats).isLessThan(beats / 10);
    }

    @Test
    void equalCapabilitySetsLabelMapsAndVersionsAreShared() {
        Set<Capability> caps = Set.of(Capability.of("docker", "24.0.7"), Capability.of("java", "17"));
        Map<String, String> labels = Map.of("env", "prod", "region", "eu-west-1");
        for (int i = 1; i <= 3; i++) {
            String id = "agent-00" + i;
            AgentCertificate cert = TestAgents.certificate(id, T0);
            Agent agent = TestAgents.agent(id, T0).certificate(cert.pin())
                    .capabilities(Set.copyOf(new ArrayList<>(caps))).labels(Map.copyOf(labels))
                    .agentVersion(new String("3.2.1")).build();
            register(new TestAgents.NewAgent(agent, cert));
        }
        Agent a1 = store.findAgent("agent-001").orElseThrow();
        Agent a2 = store.findAgent("agent-002").orElseThrow();
        Agent a3 = store.findAgent("agent-003").orElseThrow();

        assertThat(a2.capabilities()).isEqualTo(caps).isSameAs(a1.capabilities()).isSameAs(a3.capabilities());
        assertThat(a2.labels()).isEqualTo(labels).isSameAs(a1.labels());
        assertThat(a2.agentVersion()).isEqualTo("3.2.1").isSameAs(a1.agentVersion());
    }

    @Test
    void certificatesKeepTheirExactPem() {
        register("agent-001");
        String standard = TestAgents.certificate("agent-001", T0).certificatePem();
        String crlf = standard.replace("\n", "\r\n");
        String wide = "-----BEGIN CERTIFICATE-----\n" + "QUJD".repeat(30) + "\n-----END CERTIFICATE-----\n";
        String noNewline = standard.substring(0, standard.length() - 1);
        String notBase64 = "-----BEGIN CERTIFICATE-----\n%%%%\n-----END CERTIFICATE-----\n";
        List<AgentCertificate> inserted = new ArrayList<>();
        for (String pem : List.of(standard, crlf, wide, noNewline, notBase64, "", "not a pem")) {
            AgentCertificate c = TestAgents.certificate("agent-001", T0.plusSeconds(inserted.size()));
            c = new AgentCertificate(c.serial(), c.thumbprint(), c.agentId(), c.notBefore(), c.notAfter(), pem, null);
            store.insertCertificate(c);
            inserted.add(c);
        }

        for (AgentCertificate c : inserted) {
            assertThat(store.findCertificate(c.serial())).contains(c);
        }
        CertificateBodies bodies = new CertificateBodies();
        DerFields.Known known = known(inserted.get(0));
        assertThat(bodies.compact(standard, "agent-001", known)).as("standard PEM is stored as compressed DER")
                .isInstanceOf(byte[].class);
        assertThat(bodies.compact(crlf, "agent-001", known)).isInstanceOf(String.class);
        assertThat(bodies.compact(wide, "agent-001", known)).isInstanceOf(String.class);
    }

    @Test
    void fakeCertificateServicePemsAreStoredCompactly() {
        FakeCertificateService ca = new FakeCertificateService(MutableClock.at(T0));
        AgentCertificate cert = ca.issue("agent-001", ca.decodeRequest(FakeCertificateService.csrFor("k")));

        assertThat(new CertificateBodies().compact(cert.certificatePem(), "agent-001", known(cert)))
                .isInstanceOf(byte[].class);
    }

    private static DerFields.Known known(AgentCertificate c) {
        return new DerFields.Known(c.serial(), c.notBefore(), c.notAfter());
    }

    @Test
    void theDeadlineIndexHoldsOnlyWatchedAgents() {
        Agent a = register("agent-001");
        register("agent-002");
        assertThat(store.watchedCount()).isEqualTo(2);

        Agent revoked = store.updateAgent(a.withStatus(AgentStatus.REVOKED, null, T0), 1).orElseThrow();
        store.findOverdue(T0.plusSeconds(100), 10); // the sweep drops what is no longer watched
        assertThat(store.watchedCount()).isEqualTo(1);
        assertThat(revoked.version()).isEqualTo(2);
    }

    @Test
    void anExpiredAgentLeavesTheDeadlineIndexAtOnce() {
        AgentCertificate cert = TestAgents.certificate("agent-001", T0);
        register(new TestAgents.NewAgent(TestAgents.agent("agent-001", T0).certificate(cert.pin())
                .deadline(T0.plusSeconds(60)).build(), cert));
        register("agent-002");
        var overdue = store.findOverdueAgents(T0.plusSeconds(61), 10);
        assertThat(overdue).hasSize(1);

        assertThat(store.expireOverdue(overdue.get(0), InactiveReason.MISSED_HEARTBEATS, T0.plusSeconds(61))).isTrue();

        assertThat(store.watchedCount()).as("no sweep needed to drop it").isEqualTo(1);
        long before = store.examinedCount();
        assertThat(store.findOverdueAgents(T0.plusSeconds(62), 10)).isEmpty();
        assertThat(store.examinedCount() - before).as("the next sweep does not examine it again").isZero();
    }

    @Test
    void findOverdueExaminesWhatIsDueNotTheFleet() {
        for (int i = 0; i < 2_000; i++) {
            String id = String.format("agent-%04d", i);
            AgentCertificate cert = TestAgents.certificate(id, T0);
            register(new TestAgents.NewAgent(TestAgents.agent(id, T0).certificate(cert.pin())
                    .deadline(T0.plusSeconds(3_600 + i)).build(), cert));
        }
        AgentCertificate cert = TestAgents.certificate("agent-late", T0);
        register(new TestAgents.NewAgent(TestAgents.agent("agent-late", T0).certificate(cert.pin())
                .deadline(T0.plusSeconds(60)).build(), cert));
        long before = store.examinedCount();

        assertThat(store.findOverdue(T0.plusSeconds(61), 100)).extracting(Agent::id).containsExactly("agent-late");
        assertThat(store.examinedCount() - before).isLessThanOrEqualTo(1);
    }

    @Test
    void statusCountersStayExactUnderConcurrentUpdates() throws Exception {
        int agents = 200;
        for (int i = 0; i < agents; i++) {
            register(String.format("agent-%03d", i));
        }
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int round = 0; round < 20; round++) {
                    for (int i = 0; i < agents; i++) {
                        Agent current = store.findAgent(String.format("agent-%03d", i)).orElseThrow();
                        AgentStatus next = current.status() == AgentStatus.ACTIVE ? AgentStatus.PENDING
                                : AgentStatus.ACTIVE;
                        store.updateAgent(current.withStatus(next, null, T0), current.version());
                    }
                }
            }));
        }
        workers.forEach(Thread::start);
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }

        long active = store.findAgents(dev.agentmanager.model.AgentQuery.builder().status(AgentStatus.ACTIVE)
                .limit(1000).build()).size();
        assertThat(store.countAgents(AgentStatus.ACTIVE)).isEqualTo(active);
        assertThat(store.countAgents(AgentStatus.PENDING)).isEqualTo(agents - active);
    }

    @Test
    void builderValidatesItsOptions() {
        assertThatThrownBy(() -> InMemoryAgentStore.builder().tick(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> InMemoryAgentStore.builder().tick(Duration.ofNanos(1_500_000)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> InMemoryAgentStore.builder().wheelSize(1000))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> InMemoryAgentStore.builder().expectedAgents(-1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> InMemoryAgentStore.builder().tick(null)).isInstanceOf(NullPointerException.class);

        InMemoryAgentStore tuned = InMemoryAgentStore.builder().tick(Duration.ofSeconds(1)).wheelSize(1024)
                .expectedAgents(10).build();
        assertThat(tuned.findOverdue(T0, 10)).isEmpty();
    }

    @Test
    void nullsAndBadLimitsAreRefused() {
        assertThatThrownBy(() -> store.findAgent(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.insertToken(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.recordHeartbeat("a", 1, 1, 1, null, T0, null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.listTokens(null, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.pruneTokens(T0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.findOverdue(T0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
