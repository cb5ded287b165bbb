package dev.agentmanager.store.inmemory;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.spi.MonitorPause;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** The timeout monitors' bookkeeping: the last sweep, the sweep lock and the compensated pause. */
final class MonitorState {
    private @Nullable Instant lastSweep;
    private @Nullable String sweepOwner;
    private Instant sweepLockedUntil = Instant.MIN;
    private @Nullable MonitorPause recordedPause;

    synchronized Optional<Instant> recordSweep(Instant now) {
        requireNonNull(now, "now");
        Instant previous = lastSweep;
        if (previous == null || now.isAfter(previous)) {
            lastSweep = now;
        }
        return Optional.ofNullable(previous);
    }

    synchronized boolean tryLockSweep(String owner, Instant now, Duration lease) {
        requireNonNull(owner, "owner");
        requireNonNull(now, "now");
        requireNonNull(lease, "lease");
        if (sweepOwner != null && !sweepOwner.equals(owner) && now.isBefore(sweepLockedUntil)) {
            return false;
        }
        sweepOwner = owner;
        sweepLockedUntil = now.plus(lease);
        return true;
    }

    synchronized void unlockSweep(String owner) {
        if (owner.equals(sweepOwner)) {
            sweepOwner = null;
        }
    }

    synchronized void recordPause(MonitorPause pause) {
        requireNonNull(pause, "pause");
        if (recordedPause == null || pause.until().isAfter(recordedPause.until())) {
            recordedPause = pause;
        }
    }

    synchronized Optional<MonitorPause> findPause(Instant now) {
        requireNonNull(now, "now");
        MonitorPause pause = recordedPause;
        return pause != null && pause.until().isAfter(now) ? Optional.of(pause) : Optional.empty();
    }
}
