package dev.agentmanager.e2e;

import dev.agentmanager.AgentManager;
import dev.agentmanager.AgentManagerBuilder;
import dev.agentmanager.HeartbeatTimeoutMonitor;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.HeartbeatResponse;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.store.inmemory.InMemoryAgentStore;
import dev.agentmanager.store.inmemory.InMemoryTaskStore;
import dev.agentmanager.testkit.FakeCertificateService;
import dev.agentmanager.testkit.MutableClock;
import dev.agentmanager.testkit.RecordingEventListener;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** An orchestrator in a test: core + in-memory store + fake CA + manual clock + recorded events. */
final class Fleet {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final Duration INTERVAL = Duration.ofSeconds(30);
    static final Duration TIMEOUT = Duration.ofSeconds(90);

    final MutableClock clock = MutableClock.at(T0);
    final InMemoryAgentStore store = new InMemoryAgentStore();
    final InMemoryTaskStore taskStore = new InMemoryTaskStore();
    final FakeCertificateService ca = new FakeCertificateService(clock);
    final RecordingEventListener events = new RecordingEventListener();
    final AgentManager manager;
    private final Map<String, AtomicLong> sequences = new ConcurrentHashMap<>();

    Fleet() {
        this(b -> {});
    }

    Fleet(Consumer<AgentManagerBuilder> customize) {
        AgentManagerBuilder builder = AgentManager.builder()
                .store(store)
                .certificateService(ca)
                .clock(clock)
                .heartbeat(INTERVAL, TIMEOUT)
                .taskStore(taskStore)
                .listener(events);
        customize.accept(builder);
        manager = builder.build();
    }

    HeartbeatTimeoutMonitor monitor() {
        return manager.timeoutMonitor();
    }

    /** Advances the clock one second at a time for {@code duration}, sweeping after each, as production does. */
    void sweepEverySecondFor(Duration duration) {
        for (long s = 0; s < duration.toSeconds(); s++) {
            clock.advance(Duration.ofSeconds(1));
            monitor().runOnce();
        }
    }

    String oneTimeToken() {
        return manager.createToken(RegistrationTokenRequest.oneTime("test")).plaintext();
    }

    RegistrationRequest.Builder request(String token, String name) {
        return RegistrationRequest.builder()
                .token(token)
                .csr(FakeCertificateService.csrFor(name))
                .name(name);
    }

    Registration register(String name) {
        return manager.register(
                request(oneTimeToken(), name).capability("docker", "24.0").build());
    }

    /** The next liveness-only heartbeat of an agent with its current certificate, epoch 1. */
    HeartbeatResponse beat(Registration registration) {
        return beat(registration.agent().id(), registration.certificate());
    }

    HeartbeatResponse beat(String agentId, AgentCertificate certificate) {
        return manager.heartbeatProcessor()
                .process(Heartbeat.of(agentId, certificate.thumbprint(), 1, nextSeq(agentId)));
    }

    long nextSeq(String agentId) {
        return sequences.computeIfAbsent(agentId, id -> new AtomicLong()).incrementAndGet();
    }

    Agent agent(String id) {
        return manager.findAgent(id).orElseThrow();
    }
}
