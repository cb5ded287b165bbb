package dev.agentmanager.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.exception.AgentManagerException;
import dev.agentmanager.exception.AgentNotFoundException;
import dev.agentmanager.exception.AgentRevokedException;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.exception.StaleHeartbeatException;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.model.Registration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class LifecycleTest {
    private final Fleet fleet = new Fleet();

    @Test
    void operationsOnUnknownAgentsAndBadIdsFailWithTypedErrors() {
        assertThatThrownBy(() -> fleet.manager.deactivate("nobody")).isInstanceOf(AgentNotFoundException.class);
        assertThatThrownBy(() -> fleet.manager.revoke("nobody")).isInstanceOf(AgentNotFoundException.class);
        assertThatThrownBy(() -> fleet.manager.reactivate("bad\nid")).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> fleet.manager.deactivate(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void lifecycleOperationsAreIdempotent() {
        Registration web = fleet.register("web");
        String id = web.agent().id();
        fleet.beat(web);

        fleet.manager.deactivate(id);
        long version = fleet.agent(id).version();
        fleet.manager.deactivate(id);
        assertThat(fleet.agent(id).version()).isEqualTo(version);

        fleet.manager.revoke(id);
        fleet.manager.revoke(id);
        assertThat(fleet.events.events(AgentEvent.AgentRevoked.class))
                .singleElement()
                .satisfies(e -> assertThat(e.revokedSerials())
                        .containsExactly(web.certificate().serial()));
        assertThatThrownBy(() -> fleet.manager.deactivate(id)).isInstanceOf(AgentRevokedException.class);
    }

    @Test
    void registeringAgainAfterRevocationNeedsANewTokenAndYieldsANewIdentity() {
        Registration first = fleet.register("web");
        fleet.manager.revoke(first.agent().id());

        Registration second = fleet.register("web");

        assertThat(second.agent().id()).isNotEqualTo(first.agent().id());
        assertThat(fleet.agent(first.agent().id()).status()).isEqualTo(AgentStatus.REVOKED);
    }

    @Test
    void agentsAreQueryableByStatusCapabilityAndLabel() {
        fleet.manager.register(fleet.request(fleet.oneTimeToken(), "a")
                .capability("docker", "24.0")
                .label("env", "prod")
                .build());
        fleet.manager.register(fleet.request(fleet.oneTimeToken(), "b")
                .capability("docker", "19.03")
                .label("env", "dev")
                .build());
        Registration c = fleet.manager.register(
                fleet.request(fleet.oneTimeToken(), "c").capability("ssh").build());
        fleet.beat(c);

        assertThat(fleet.manager.findAgents(
                        AgentQuery.builder().capability("docker", "20").build()))
                .extracting(a -> a.name())
                .containsExactly("a");
        assertThat(fleet.manager.findAgents(
                        AgentQuery.builder().label("env", "dev").build()))
                .extracting(a -> a.name())
                .containsExactly("b");
        assertThat(fleet.manager.findAgents(
                        AgentQuery.builder().status(AgentStatus.ACTIVE).build()))
                .extracting(a -> a.name())
                .containsExactly("c");
        List<String> paged = new ArrayList<>();
        AgentQuery page = AgentQuery.builder().limit(2).build();
        for (var agents = fleet.manager.findAgents(page);
                !agents.isEmpty();
                agents = fleet.manager.findAgents(
                        page.after(agents.get(agents.size() - 1).id()))) {
            agents.forEach(a -> paged.add(a.name()));
        }
        assertThat(paged).containsExactlyInAnyOrder("a", "b", "c");
    }

    @Test
    void aThrowingListenerCannotBreakTheManager() {
        Fleet broken = new Fleet(b -> b.listener(e -> {
            throw new IllegalStateException("listener bug");
        }));
        Registration web = broken.register("web");
        broken.beat(web);
        assertThat(broken.agent(web.agent().id()).status()).isEqualTo(AgentStatus.ACTIVE);
        assertThat(broken.events.events(AgentEvent.AgentActivated.class)).hasSize(1);
    }

    /**
     * Heartbeats from several threads race a revoke of an agent they are trying to bring back from missed
     * heartbeats. The revoke always wins: the agent ends REVOKED, and no heartbeat that started after the
     * revoke returned is accepted.
     */
    @RepeatedTest(10)
    void aRevokeThatRacesHeartbeatsAlwaysWins() throws Exception {
        fleet.monitor().runOnce();
        Registration web = fleet.register("web");
        String id = web.agent().id();
        fleet.beat(web);
        for (int s = 0; s < 92; s++) {
            fleet.clock.advance(Duration.ofSeconds(1));
            fleet.monitor().runOnce();
        }
        assertThat(fleet.agent(id).inactiveReason()).isEqualTo(InactiveReason.MISSED_HEARTBEATS);

        int threads = 4;
        AtomicLong sequence = new AtomicLong(100);
        AtomicBoolean revoked = new AtomicBoolean();
        AtomicInteger acceptedAfterRevoke = new AtomicInteger();
        AtomicInteger accepted = new AtomicInteger();
        List<Throwable> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> beaters = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < 2_000; i++) {
                        boolean afterRevoke = revoked.get();
                        try {
                            fleet.manager
                                    .heartbeatProcessor()
                                    .process(Heartbeat.of(
                                            id, web.certificate().thumbprint(), 1, sequence.incrementAndGet()));
                            accepted.incrementAndGet();
                            if (afterRevoke) {
                                acceptedAfterRevoke.incrementAndGet();
                            }
                        } catch (StaleHeartbeatException expected) {
                            // reordering between threads
                        } catch (AgentRevokedException expected) {
                            return;
                        }
                    }
                } catch (InterruptedException | AgentManagerException e) {
                    unexpected.add(e);
                }
            });
            thread.start();
            beaters.add(thread);
        }
        start.countDown();
        while (accepted.get() < 5) {
            Thread.onSpinWait();
        }
        fleet.manager.revoke(id);
        revoked.set(true);
        for (Thread thread : beaters) {
            thread.join(30_000);
        }

        assertThat(unexpected).isEmpty();
        assertThat(acceptedAfterRevoke).hasValue(0);
        assertThat(fleet.agent(id).status()).isEqualTo(AgentStatus.REVOKED);
        assertThatThrownBy(() -> fleet.beat(web)).isInstanceOf(AgentRevokedException.class);
    }
}
