package dev.agentmanager.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class MutableClockTest {

    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

    @Test
    void standsStillUntilMoved() {
        MutableClock clock = MutableClock.at(START);

        assertThat(clock.instant()).isEqualTo(START);
        assertThat(clock.instant()).isEqualTo(START);
        assertThat(clock.millis()).isEqualTo(START.toEpochMilli());
        assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);
    }

    @Test
    void createStartsAtTheDefault() {
        assertThat(MutableClock.create().instant()).isEqualTo(MutableClock.DEFAULT_START);
    }

    @Test
    void advanceMovesForwardAndReturnsTheNewTime() {
        MutableClock clock = MutableClock.at(START);

        assertThat(clock.advance(Duration.ofSeconds(90))).isEqualTo(START.plusSeconds(90));
        assertThat(clock.advance(Duration.ZERO)).isEqualTo(START.plusSeconds(90));
        assertThat(clock.advance(Duration.ofMillis(1)))
                .isEqualTo(START.plusSeconds(90).plusMillis(1));
        assertThat(clock.instant()).isEqualTo(START.plusSeconds(90).plusMillis(1));
    }

    @Test
    void advanceRefusesNegativeAmountsAndKeepsTheTime() {
        MutableClock clock = MutableClock.at(START);

        assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThat(clock.instant()).isEqualTo(START);
    }

    @Test
    void setMayGoBack() {
        MutableClock clock = MutableClock.at(START);
        clock.set(START.minusSeconds(3600));

        assertThat(clock.instant()).isEqualTo(START.minusSeconds(3600));
    }

    @Test
    void rejectsNulls() {
        MutableClock clock = MutableClock.at(START);

        assertThatThrownBy(() -> MutableClock.at(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> MutableClock.at(START, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> clock.advance(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> clock.set(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> clock.withZone(null)).isInstanceOf(NullPointerException.class);
        assertThat(clock.instant()).isEqualTo(START);
    }

    @Test
    void zoneViewsShareTheTimeSource() {
        MutableClock utc = MutableClock.at(START);
        ZoneId paris = ZoneId.of("Europe/Paris");
        MutableClock inParis = utc.withZone(paris);

        utc.advance(Duration.ofHours(1));
        assertThat(inParis.instant()).isEqualTo(START.plusSeconds(3600));
        inParis.advance(Duration.ofHours(1));
        assertThat(utc.instant()).isEqualTo(START.plusSeconds(7200));

        assertThat(inParis.getZone()).isEqualTo(paris);
        assertThat(ZonedDateTime.now(inParis).getHour()).isEqualTo(3); // 02:00Z is 03:00 in Paris in winter
        assertThat(utc.withZone(ZoneOffset.UTC)).isSameAs(utc);
    }

    @Test
    void equalityFollowsTheTimeSourceAndZone() {
        MutableClock a = MutableClock.at(START);
        MutableClock b = MutableClock.at(START);
        ZoneId paris = ZoneId.of("Europe/Paris");

        assertThat(a).isNotEqualTo(b);
        assertThat(a.withZone(paris)).isEqualTo(a.withZone(paris)).hasSameHashCodeAs(a.withZone(paris));
        assertThat(a.withZone(paris)).isNotEqualTo(a);
        assertThat(a.withZone(paris).withZone(ZoneOffset.UTC)).isEqualTo(a);
    }

    @Test
    void concurrentAdvancesAreNeverLost() throws Exception {
        MutableClock clock = MutableClock.at(START);
        int threads = 8;
        int perThread = 1_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    clock.advance(Duration.ofMillis(1));
                }
            });
            w.start();
            workers.add(w);
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }

        assertThat(clock.instant()).isEqualTo(START.plusMillis((long) threads * perThread));
    }
}
