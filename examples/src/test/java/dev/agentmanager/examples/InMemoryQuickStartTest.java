package dev.agentmanager.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.AgentManager;
import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.store.inmemory.InMemoryAgentStore;
import dev.agentmanager.testkit.FakeCertificateService;
import dev.agentmanager.testkit.MutableClock;
import dev.agentmanager.testkit.RecordingEventListener;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The in-memory quick start, as a host's own unit test would use the library: the in-memory store, the test
 * kit's fake CA (no crypto), a manual clock and {@code runOnce()} instead of waiting. Nothing here sleeps.
 * (Needs {@code agentmanager-testkit} in test scope.)
 */
class InMemoryQuickStartTest {
    private final MutableClock clock = MutableClock.create();
    private final RecordingEventListener events = new RecordingEventListener();
    private final AgentManager manager = AgentManager.builder()
            .store(new InMemoryAgentStore())
            .certificateService(new FakeCertificateService(clock))
            .clock(clock)
            .heartbeat(Duration.ofSeconds(30), Duration.ofSeconds(90))
            .sweepInterval(Duration.ofSeconds(10)) // the test sweeps every 10 s; a longer gap would be a pause
            .listener(events)
            .build();
    private long sequence;

    @BeforeEach
    void startMonitor() {
        manager.timeoutMonitor().runOnce(); // a monitor's first sweep only grants a grace period
    }

    private Registration register(String name, String capability, String version) {
        String token =
                manager.createToken(RegistrationTokenRequest.oneTime(name)).plaintext();
        return manager.register(RegistrationRequest.builder()
                .token(token)
                .csr(FakeCertificateService.csrFor(name))
                .name(name)
                .capability(capability, version)
                .build());
    }

    private void heartbeat(Registration r) {
        manager.heartbeatProcessor()
                .process(Heartbeat.of(r.agent().id(), r.certificate().thumbprint(), 1, ++sequence));
    }

    /** Lets time pass as the running monitor would see it: a sweep every sweep interval (10 s here). */
    private void letTimePass(Duration duration) {
        for (Duration passed = Duration.ZERO; passed.compareTo(duration) < 0; passed = passed.plusSeconds(10)) {
            clock.advance(Duration.ofSeconds(10));
            manager.timeoutMonitor().runOnce();
        }
    }

    private Agent agent(Registration r) {
        return manager.findAgent(r.agent().id()).orElseThrow();
    }

    @Test
    void an_agent_that_goes_quiet_is_marked_inactive_and_its_next_heartbeat_brings_it_back() {
        Registration web = register("web-01", "docker", "24.0");
        heartbeat(web);
        assertThat(agent(web).status()).isEqualTo(AgentStatus.ACTIVE);

        letTimePass(Duration.ofSeconds(100)); // timeout is 90 s
        assertThat(agent(web).status()).isEqualTo(AgentStatus.INACTIVE);
        assertThat(agent(web).inactiveReason()).isEqualTo(InactiveReason.MISSED_HEARTBEATS);
        assertThat(events.last(AgentEvent.AgentInactivated.class).agentId())
                .isEqualTo(web.agent().id());

        heartbeat(web);
        assertThat(agent(web).status()).isEqualTo(AgentStatus.ACTIVE);
    }

    @Test
    void the_host_picks_active_agents_by_capability_and_minimum_version() {
        Registration old = register("old", "docker", "19.3");
        Registration recent = register("recent", "docker", "24.0");
        Registration quiet = register("quiet", "docker", "25.0"); // never heartbeats
        heartbeat(old);
        heartbeat(recent);

        AgentQuery docker24 = AgentQuery.builder()
                .status(AgentStatus.ACTIVE)
                .capability("docker", "24")
                .build();
        assertThat(manager.findAgents(docker24)).extracting(Agent::name).containsExactly("recent");

        letTimePass(Duration.ofSeconds(100));
        assertThat(agent(quiet).inactiveReason()).isEqualTo(InactiveReason.NEVER_CHECKED_IN);
    }
}
