package dev.agentmanager.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.event.AgentEventListener;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventDispatcherTest {

    @Test
    void aThrowingListenerDoesNotStopTheOthers() {
        List<AgentEvent> seen = new ArrayList<>();
        AgentEventListener broken = e -> {
            throw new IllegalStateException("listener bug");
        };
        EventDispatcher dispatcher = new EventDispatcher(List.of(broken, seen::add, AgentEventListener.NO_OP));
        AgentEvent event = new AgentEvent.TokenRevoked(Instant.EPOCH, "t1");

        dispatcher.publish(event);
        dispatcher.publish(event);

        assertThat(seen).containsExactly(event, event);
    }
}
