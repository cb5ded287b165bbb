package dev.agentmanager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Registration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A pause of the orchestrator (GC, a frozen VM) shorter or longer than the timeout expires no agent that kept
 * its schedule: the heartbeats sent during the pause could not be processed, so the monitor compensates (or,
 * past the timeout, grants grace). Agents beat every 30 s at staggered phases, the timeout is 90 s, the monitor
 * sweeps every second; a truly silent agent still expires.
 */
class PauseCompensationTest {

    @ParameterizedTest(name = "pause of {0} s")
    @ValueSource(ints = {5, 45, 65, 85, 600})
    void aPauseExpiresNoAgentThatKeptItsSchedule(int pauseSeconds) {
        Fleet fleet = new Fleet();
        fleet.monitor().runOnce();
        List<Registration> agents = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            agents.add(fleet.register("agent-" + i));
        }
        Registration silent = fleet.register("silent");
        fleet.beat(silent); // then never again
        live(fleet, agents, 120); // every agent ACTIVE, deadlines spread over the 30 s of phases

        // the pause: neither heartbeats nor sweeps are processed; the agents' beats meanwhile are lost
        fleet.clock.advance(Duration.ofSeconds(pauseSeconds));
        live(fleet, agents, 180);

        assertThat(fleet.events.events(AgentEvent.AgentInactivated.class))
                .extracting(AgentEvent.AgentInactivated::agentId)
                .containsExactly(silent.agent().id());
        for (Registration a : agents) {
            assertThat(fleet.agent(a.agent().id()).status()).isEqualTo(AgentStatus.ACTIVE);
        }
        if (pauseSeconds > 90) {
            assertThat(fleet.events.events(AgentEvent.GracePeriodGranted.class)).hasSize(2);
        } else {
            assertThat(fleet.events.last(AgentEvent.PauseCompensated.class).pause())
                    .isEqualTo(Duration.ofSeconds(pauseSeconds));
        }
    }

    /** Runs {@code seconds} seconds: agent i beats when the second is i mod 30, the monitor sweeps every second. */
    private static void live(Fleet fleet, List<Registration> agents, int seconds) {
        for (int s = 0; s < seconds; s++) {
            fleet.clock.advance(Duration.ofSeconds(1));
            long second = fleet.clock.instant().getEpochSecond();
            for (int i = 0; i < agents.size(); i++) {
                if (second % 30 == i % 30) {
                    fleet.beat(agents.get(i));
                }
            }
            fleet.monitor().runOnce();
        }
    }
}
