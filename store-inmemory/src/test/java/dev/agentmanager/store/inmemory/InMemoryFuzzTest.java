package dev.agentmanager.store.inmemory;

import dev.agentmanager.spi.IAgentStore;
import dev.agentmanager.testkit.AgentManagerFuzzTest;
import java.time.Clock;

/** The API fuzzer over the in-memory store. */
class InMemoryFuzzTest extends AgentManagerFuzzTest {

    @Override
    protected IAgentStore createStore(Clock clock) {
        return new InMemoryAgentStore();
    }
}
