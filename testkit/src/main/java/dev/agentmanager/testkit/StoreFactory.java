package dev.agentmanager.testkit;

import dev.agentmanager.spi.IAgentStore;
import java.time.Clock;

/** Makes the stores a contract runs against: one fresh, empty store per test. */
@FunctionalInterface
public interface StoreFactory {

    /** A new, empty store; {@code clock} is the suite's {@link MutableClock}, for a store that keeps time. */
    IAgentStore create(Clock clock);

    /** Releases what {@link #create} opened; does nothing by default. */
    default void dispose(IAgentStore store) {}
}
