package dev.agentmanager.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentmanager.HeartbeatTimeoutMonitor.SweepResult;
import dev.agentmanager.SelfPreservation;
import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.model.Registration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TimeoutMonitorTest {

    @Test
    void theFirstSweepAndASweepAfterAPauseGrantGraceInsteadOfExpiring() {
        Fleet fleet = new Fleet();
        Registration web = fleet.register("web");
        fleet.beat(web);
        fleet.clock.advance(Duration.ofMinutes(10)); // the orchestrator was down

        SweepResult first = fleet.monitor().runOnce();

        assertThat(first.gracePeriodGranted()).isTrue();
        assertThat(fleet.agent(web.agent().id()).status()).isEqualTo(AgentStatus.ACTIVE);
        assertThat(fleet.agent(web.agent().id()).liveness().deadline())
                .isEqualTo(fleet.clock.instant().plus(Fleet.TIMEOUT));

        fleet.clock.advance(Duration.ofSeconds(95)); // the monitor itself was paused longer than the timeout
        SweepResult afterPause = fleet.monitor().runOnce();

        assertThat(afterPause.gracePeriodGranted()).isTrue();
        assertThat(afterPause.expired()).isZero();
        assertThat(fleet.events.last(AgentEvent.GracePeriodGranted.class).pausedFor())
                .isEqualTo(Duration.ofSeconds(95));

        runFor(fleet, Duration.ofSeconds(90), List.of()); // regular sweeps: the deadline is not passed yet
        assertThat(fleet.agent(web.agent().id()).status()).isEqualTo(AgentStatus.ACTIVE);
        runFor(fleet, Duration.ofSeconds(1), List.of()); // now it really is silent
        assertThat(fleet.agent(web.agent().id()).status()).isEqualTo(AgentStatus.INACTIVE);
    }

    @Test
    void anAgentThatNeverChecksInIsReported() {
        Fleet fleet = new Fleet();
        fleet.monitor().runOnce();
        Registration silent = fleet.register("silent");

        runFor(fleet, Fleet.TIMEOUT.plusSeconds(1), List.of());

        assertThat(fleet.agent(silent.agent().id()).inactiveReason()).isEqualTo(InactiveReason.NEVER_CHECKED_IN);
        fleet.beat(silent);
        assertThat(fleet.agent(silent.agent().id()).status()).isEqualTo(AgentStatus.ACTIVE);
    }

    @Test
    void operatorDeactivatedAgentsAreLeftAloneByTheMonitor() {
        Fleet fleet = new Fleet();
        fleet.monitor().runOnce();
        Registration web = fleet.register("web");
        fleet.beat(web);
        fleet.manager.deactivate(web.agent().id());

        runFor(fleet, Duration.ofMinutes(5), List.of());

        assertThat(fleet.agent(web.agent().id()).inactiveReason()).isEqualTo(InactiveReason.OPERATOR);
        // reactivating an agent whose deadline passed leaves it waiting for its next heartbeat
        assertThat(fleet.manager.reactivate(web.agent().id()).inactiveReason())
                .isEqualTo(InactiveReason.MISSED_HEARTBEATS);
    }

    /** 40 agents, regular sweeps every second, heartbeats every 30 s. */
    private static List<Registration> activeFleet(Fleet fleet, int size) {
        fleet.monitor().runOnce();
        List<Registration> agents = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            Registration r = fleet.register("agent-" + i);
            fleet.beat(r);
            agents.add(r);
        }
        return agents;
    }

    private static void runFor(Fleet fleet, Duration duration, List<Registration> heartbeating) {
        for (long s = 0; s < duration.toSeconds(); s++) {
            fleet.clock.advance(Duration.ofSeconds(1));
            if (fleet.clock.instant().getEpochSecond() % 30 == 0) {
                heartbeating.forEach(fleet::beat);
            }
            fleet.monitor().runOnce();
        }
    }

    private static long count(Fleet fleet, AgentStatus status) {
        return fleet.manager
                .findAgents(AgentQuery.builder().status(status).build())
                .size();
    }

    @ParameterizedTest(name = "{0} % of the fleet")
    @ValueSource(ints = {10, 30, 50})
    void aPartialOutageIsReflectedWithinTwoTimeouts(int percent) {
        Fleet fleet = new Fleet();
        List<Registration> agents = activeFleet(fleet, 100);
        List<Registration> alive = agents.subList(percent, 100); // a rack or a zone goes dark

        runFor(fleet, Fleet.TIMEOUT.multipliedBy(2), alive);

        assertThat(count(fleet, AgentStatus.INACTIVE)).isEqualTo(percent);
        assertThat(count(fleet, AgentStatus.ACTIVE)).isEqualTo(100 - percent);
        assertThat(fleet.monitor().isHoldingExpiries()).isFalse();
        if (percent > 25) {
            AgentEvent.ExpiriesHeld held = fleet.events.single(AgentEvent.ExpiriesHeld.class);
            assertThat(held.overdue()).isEqualTo(percent);
            assertThat(held.reason()).contains("released evenly over the next timeout");
        } else {
            assertThat(fleet.events.events(AgentEvent.ExpiriesHeld.class)).isEmpty();
        }
    }

    @Test
    void aFleetWideOutageIsHeldUntilHeartbeatsReturn() {
        Fleet fleet = new Fleet();
        List<Registration> agents = activeFleet(fleet, 100);

        runFor(fleet, Fleet.TIMEOUT.multipliedBy(3), List.of()); // the orchestrator's own network fails

        assertThat(count(fleet, AgentStatus.INACTIVE)).isEqualTo(25); // the threshold, and no more for good
        assertThat(fleet.monitor().isHoldingExpiries()).isTrue();
        assertThat(fleet.events.single(AgentEvent.ExpiriesHeld.class).reason())
                .contains("held until heartbeats return");

        runFor(fleet, Duration.ofSeconds(60), agents); // the network heals

        assertThat(fleet.monitor().isHoldingExpiries()).isFalse();
        assertThat(fleet.events.events(AgentEvent.ExpiriesReleased.class)).hasSize(1);
        assertThat(count(fleet, AgentStatus.ACTIVE)).isEqualTo(100);
    }

    @Test
    void theBaselineShrinksWithDeactivationsSoProtectionDoesNotGetStuck() {
        Fleet fleet = new Fleet(b -> b.selfPreservation(new SelfPreservation(true, 0.25, 10, 0.75)));
        List<Registration> agents = activeFleet(fleet, 40);
        // operators retire 30 agents; of the remaining 10, 2 die: 20 % of the live fleet, under the threshold
        for (Registration r : agents.subList(10, 40)) {
            fleet.manager.deactivate(r.agent().id());
        }
        runFor(fleet, Duration.ofSeconds(150), agents.subList(0, 8));

        assertThat(fleet.events.events(AgentEvent.ExpiriesHeld.class)).isEmpty();
        assertThat(fleet.events.events(AgentEvent.AgentInactivated.class))
                .filteredOn(e -> e.reason() == InactiveReason.MISSED_HEARTBEATS)
                .hasSize(2);
    }

    @Test
    void anOperatorCanReleaseHeldExpiriesAndProtectionCanBeTurnedOff() {
        Fleet fleet = new Fleet(b -> b.selfPreservation(new SelfPreservation(true, 0.25, 10, 0.75)));
        activeFleet(fleet, 40);
        runFor(fleet, Duration.ofSeconds(150), List.of()); // fleet-wide: held
        assertThat(count(fleet, AgentStatus.INACTIVE)).isEqualTo(10);

        fleet.monitor().releaseHeldExpiries();
        runFor(fleet, Duration.ofSeconds(1), List.of());
        assertThat(count(fleet, AgentStatus.INACTIVE)).isEqualTo(40);

        Fleet unprotected = new Fleet(b -> b.selfPreservation(SelfPreservation.disabled()));
        List<Registration> all = activeFleet(unprotected, 40);
        runFor(unprotected, Duration.ofSeconds(150), all.subList(0, 20));
        assertThat(count(unprotected, AgentStatus.INACTIVE)).isEqualTo(20);
        assertThat(unprotected.events.events(AgentEvent.ExpiriesHeld.class)).isEmpty();
    }

    @Test
    void startedMonitorSweepsOnItsOwnThreadAndStops() {
        Fleet fleet = new Fleet(b -> b.sweepInterval(Duration.ofMillis(10)));
        fleet.manager.start();
        try {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> fleet.events.count(AgentEvent.GracePeriodGranted.class) == 1);
            assertThat(fleet.monitor().isRunning()).isTrue();
        } finally {
            fleet.manager.close();
        }
        assertThat(fleet.monitor().isRunning()).isFalse();
    }
}
