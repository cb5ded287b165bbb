package dev.agentmanager.store.inmemory;

import dev.agentmanager.spi.IAgentStore;
import dev.agentmanager.testkit.AgentStoreContractTest;
import java.time.Clock;

/** The in-memory store passes the store contract. */
class InMemoryAgentStoreTest extends AgentStoreContractTest {

    @Override
    protected IAgentStore createStore(Clock clock) {
        return new InMemoryAgentStore();
    }
}
