package dev.agentmanager.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.event.AgentEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class RecordingEventListenerTest {

    private static final Instant AT = Instant.parse("2030-01-01T00:00:00Z");

    private final RecordingEventListener events = new RecordingEventListener();
    private final AgentEvent revoked1 = new AgentEvent.TokenRevoked(AT, "tok-1");
    private final AgentEvent locked = new AgentEvent.TokenLocked(AT, "tok-2", 5);
    private final AgentEvent revoked2 = new AgentEvent.TokenRevoked(AT.plusSeconds(1), "tok-3");

    @Test
    void keepsEventsInOrder() {
        events.onEvent(revoked1);
        events.onEvent(locked);
        events.onEvent(revoked2);

        assertThat(events.events()).containsExactly(revoked1, locked, revoked2);
    }

    @Test
    void filtersByType() {
        events.onEvent(revoked1);
        events.onEvent(locked);
        events.onEvent(revoked2);

        assertThat(events.events(AgentEvent.TokenRevoked.class))
                .containsExactly((AgentEvent.TokenRevoked) revoked1, (AgentEvent.TokenRevoked) revoked2);
        assertThat(events.events(AgentEvent.AgentRegistered.class)).isEmpty();
        assertThat(events.count(AgentEvent.TokenRevoked.class)).isEqualTo(2);
        assertThat(events.last(AgentEvent.TokenRevoked.class).tokenId()).isEqualTo("tok-3");
        assertThat(events.single(AgentEvent.TokenLocked.class).failedAttempts()).isEqualTo(5);
    }

    @Test
    void lastAndSingleFailWithTheEventsReceived() {
        events.onEvent(revoked1);
        events.onEvent(revoked2);

        assertThatThrownBy(() -> events.last(AgentEvent.TokenLocked.class))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("TokenLocked")
                .hasMessageContaining("tok-1");
        assertThatThrownBy(() -> events.single(AgentEvent.TokenRevoked.class))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("got 2");
        assertThatThrownBy(() -> events.single(AgentEvent.TokenLocked.class))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("got 0");
    }

    @Test
    void snapshotsDoNotChangeAndClearForgets() {
        events.onEvent(revoked1);
        List<AgentEvent> before = events.events();

        events.onEvent(locked);
        assertThat(before).containsExactly(revoked1);

        events.clear();
        assertThat(events.events()).isEmpty();
        events.onEvent(revoked2);
        assertThat(events.events()).containsExactly(revoked2);
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> events.onEvent(null)).isInstanceOf(NullPointerException.class);
        assertThat(events.events()).isEmpty();
    }

    @Test
    void concurrentEventsAreAllKept() throws Exception {
        int threads = 8;
        int perThread = 2_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int n = t;
            Thread w = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    events.onEvent(new AgentEvent.TokenLocked(AT, "tok-" + n, i));
                }
            });
            w.start();
            workers.add(w);
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }

        assertThat(events.events()).hasSize(threads * perThread);
        for (int t = 0; t < threads; t++) {
            String id = "tok-" + t;
            assertThat(events.events(AgentEvent.TokenLocked.class))
                    .filteredOn(e -> e.tokenId().equals(id))
                    .extracting(AgentEvent.TokenLocked::failedAttempts)
                    .as("per-thread order kept")
                    .isSorted()
                    .hasSize(perThread);
        }
    }
}
