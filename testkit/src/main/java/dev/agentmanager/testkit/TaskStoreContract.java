package dev.agentmanager.testkit;

import dev.agentmanager.spi.TaskStore;
import java.time.Clock;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;

/**
 * The contract every {@link TaskStore} must pass, in three nested groups: {@link TaskRecordsContract} (inserts,
 * queries, updates, history, logs, the queue summary, pruning), {@link TaskClaimsContract} (the claim's order,
 * filter and limits) and {@link TaskRacesContract} (claims and inserts raced on real threads, on one instance
 * and on two). Extend it and return a fresh, empty store:
 *
 * <pre>{@code
 * class MongoTaskStoreTest extends TaskStoreContract {
 *     @Override
 *     protected TaskStore createTaskStore(Clock clock) {
 *         return new MongoTaskStore(freshDatabase());
 *     }
 *
 *     @Override
 *     protected TaskStore secondTaskStore(TaskStore first) {
 *         return new MongoTaskStore(sameDatabaseNewClient());   // another replica on the same data
 *     }
 * }
 * }</pre>
 *
 * <p>Each group is a class of its own that also runs alone over a {@link TaskStoreFactory}. Every test times out
 * after two minutes, so that a store that deadlocks fails instead of hanging the build.
 */
public abstract class TaskStoreContract {

    /** A new, empty task store. Called once before every test. */
    protected abstract TaskStore createTaskStore(Clock clock);

    /**
     * A second store instance over the same data as {@code first}, as another replica would open it: for a
     * database, a store with its own connection pool on the same tables. The races run across both. By default
     * {@code first} itself, which is right for a store that lives in one process.
     */
    protected TaskStore secondTaskStore(TaskStore first) {
        return first;
    }

    /** Releases what {@link #createTaskStore} and {@link #secondTaskStore} opened. Does nothing by default. */
    protected void disposeTaskStore(TaskStore store) {}

    private TaskStoreFactory factory() {
        return new TaskStoreFactory() {
            @Override
            public TaskStore create(Clock clock) {
                return createTaskStore(clock);
            }

            @Override
            public TaskStore replica(TaskStore store) {
                return secondTaskStore(store);
            }

            @Override
            public void dispose(TaskStore store) {
                disposeTaskStore(store);
            }
        };
    }

    @Nested
    @DisplayName("TaskStore: records")
    class Records extends TaskRecordsContract {
        Records() {
            super(TaskStoreContract.this.factory());
        }
    }

    @Nested
    @DisplayName("TaskStore: claims")
    class Claims extends TaskClaimsContract {
        Claims() {
            super(TaskStoreContract.this.factory());
        }
    }

    @Nested
    @DisplayName("TaskStore: races")
    class Races extends TaskRacesContract {
        Races() {
            super(TaskStoreContract.this.factory());
        }
    }
}
