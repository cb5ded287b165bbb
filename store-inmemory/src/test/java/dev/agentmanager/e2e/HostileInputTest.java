package dev.agentmanager.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.HeartbeatResponse;
import dev.agentmanager.model.Registration;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Inputs an agent or a caller controls, at the edges: accepted within bounds, or refused as invalid. */
class HostileInputTest {

    @Test
    void anAgentTimeAnyDistanceAwayIsAcceptedWithTheSkewClamped() {
        Fleet fleet = new Fleet();
        Registration web = fleet.register("web");
        String id = web.agent().id();
        String thumbprint = web.certificate().thumbprint();
        long seq = 0;
        for (Instant agentTime : new Instant[] {
            Instant.parse("-1000000000-01-01T00:00:00Z"), Instant.parse("1730-01-01T00:00:00Z"), Instant.MAX
        }) {
            HeartbeatResponse response = fleet.manager
                    .heartbeatProcessor()
                    .process(Heartbeat.builder(id, thumbprint)
                            .bootEpoch(1)
                            .sequence(++seq)
                            .agentTime(agentTime)
                            .build());
            assertThat(response.sequence()).isEqualTo(seq);
            Duration skew = fleet.agent(id).liveness().clockSkew();
            assertThat(skew).isNotNull();
            assertThat(skew.abs()).isLessThanOrEqualTo(Duration.ofNanos(Long.MAX_VALUE));
        }
        assertThat(fleet.agent(id).liveness().clockSkew()).isEqualTo(Duration.ofNanos(Long.MAX_VALUE));
    }

    @Test
    void lookupsWithControlCharactersOrLoneSurrogatesAreRefusedAsInvalid() {
        Fleet fleet = new Fleet();
        fleet.register("web");
        for (String id : new String[] {"agent\u0000id", "\udc00\ud800", "tab\there", " "}) {
            assertThatThrownBy(() -> fleet.manager.findAgent(id)).isInstanceOf(InvalidRequestException.class);
            assertThatThrownBy(() -> fleet.manager.certificates(id)).isInstanceOf(InvalidRequestException.class);
            assertThatThrownBy(() -> fleet.manager.findToken(id)).isInstanceOf(InvalidRequestException.class);
            assertThatThrownBy(() -> fleet.manager.listTokens(id, 10)).isInstanceOf(InvalidRequestException.class);
            assertThatThrownBy(() -> fleet.manager.findAgents(
                            AgentQuery.builder().afterId(id).build()))
                    .isInstanceOf(InvalidRequestException.class);
        }
        assertThat(fleet.manager.findAgent("no-such-agent")).isEmpty();
    }
}
