/** agentmanager in-memory store: a thread-safe {@link dev.agentmanager.spi.IAgentStore} in the JVM's heap. */
module dev.agentmanager.store.inmemory {
    requires transitive dev.agentmanager.core;
    requires static org.jspecify;

    exports dev.agentmanager.store.inmemory;
}
