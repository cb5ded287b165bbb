package dev.agentmanager.testkit;

import dev.agentmanager.spi.TaskStore;
import java.time.Clock;

/** Makes the task stores a task contract runs against: one fresh store per test, and optionally a replica of it. */
public interface TaskStoreFactory {

    /** A new, empty task store; {@code clock} is the suite's {@link MutableClock}. */
    TaskStore create(Clock clock);

    /**
     * A second store instance over the same data as {@code store}, as another replica would open it (for a
     * database: its own connection pool on the same tables). By default {@code store} itself, for stores that live
     * in one process.
     */
    default TaskStore replica(TaskStore store) {
        return store;
    }

    /** Releases what {@link #create} and {@link #replica} opened; does nothing by default. */
    default void dispose(TaskStore store) {}
}
