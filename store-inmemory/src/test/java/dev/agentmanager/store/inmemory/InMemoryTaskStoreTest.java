package dev.agentmanager.store.inmemory;

import dev.agentmanager.spi.TaskStore;
import dev.agentmanager.testkit.TaskStoreContract;
import java.time.Clock;

/** The task store contract on the in-memory store (one instance is its own replica). */
class InMemoryTaskStoreTest extends TaskStoreContract {
    @Override
    protected TaskStore createTaskStore(Clock clock) {
        return new InMemoryTaskStore();
    }
}
