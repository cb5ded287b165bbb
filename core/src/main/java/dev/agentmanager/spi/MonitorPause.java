package dev.agentmanager.spi;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;

/**
 * A pause of the fleet's timeout monitor that is being compensated: until {@code until}, an agent counts as
 * overdue only once its deadline plus {@code pause} has passed.
 */
public record MonitorPause(Duration pause, Instant until) {
    public MonitorPause {
        requireNonNull(pause, "pause");
        requireNonNull(until, "until");
        if (pause.isNegative()) {
            throw new IllegalArgumentException("pause must not be negative");
        }
    }
}
