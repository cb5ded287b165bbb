package dev.agentmanager.testkit;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.spi.TaskStore;
import dev.agentmanager.task.AgentTask;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

/**
 * What every task contract group shares: one fresh {@link TaskStore} per test from a {@link TaskStoreFactory}, a
 * {@link MutableClock} at {@link #T0}, and helpers to insert and move tasks. Instants have millisecond precision.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class TaskContract {
    /** Where {@link #clock} starts, and the base of every instant in the suite. */
    protected static final Instant T0 = MutableClock.DEFAULT_START;

    /** A clock the store may use; the SPI takes explicit instants. */
    protected final MutableClock clock = MutableClock.at(T0);
    /** The store under test, fresh for every test. */
    protected TaskStore store;

    private final TaskStoreFactory factory;

    protected TaskContract(TaskStoreFactory factory) {
        this.factory = requireNonNull(factory, "factory");
    }

    @BeforeEach
    final void setUpTaskStore() {
        store = requireNonNull(factory.create(clock), "the task store factory returned null");
    }

    @AfterEach
    final void tearDownTaskStore() {
        factory.dispose(store);
    }

    /** A second store instance over the same data (the store itself for a single-process store). */
    protected TaskStore replica() {
        return requireNonNull(factory.replica(store), "the task store factory returned no replica");
    }

    /** {@code T0} plus some seconds. */
    protected static Instant at(long seconds) {
        return T0.plusSeconds(seconds);
    }

    /** Inserts a task and asserts it is stored as given, with version 1. */
    protected AgentTask insert(TestTasks.Builder task) {
        AgentTask t = task.build();
        AgentTask stored = store.insertTask(t);
        if (!stored.equals(t.withVersion(1))) {
            throw new AssertionError("insertTask returned " + stored + " for " + t);
        }
        return stored;
    }

    /** Inserts task {@link TestTasks#id(int) n} created at {@code at(n)}, targeting {@link TestTasks#DOCKER}. */
    protected AgentTask insert(int n) {
        return insert(TestTasks.task(TestTasks.id(n), at(n)));
    }

    /** Writes {@code updated} over {@code current}; asserts the write won. */
    protected AgentTask update(AgentTask current, AgentTask updated) {
        return store.updateTask(updated, current.version())
                .orElseThrow(() -> new AssertionError("updateTask lost for " + current.id()));
    }

    /** Claims {@code task} for {@code agentId} at {@code at} through an update (not a claim). */
    protected AgentTask hold(AgentTask task, String agentId, Instant at) {
        return update(task, TestTasks.claimed(task, agentId, at));
    }

    /** The stored task. */
    protected AgentTask stored(String taskId) {
        return store.findTask(taskId).orElseThrow(() -> new AssertionError("no task " + taskId));
    }
}
