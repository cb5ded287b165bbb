/**
 * {@link dev.agentmanager.store.inmemory.InMemoryAgentStore}: a thread-safe, heap-only
 * {@link dev.agentmanager.spi.IAgentStore} on JDK concurrent collections, for tests and single-node hosts.
 */
@NullMarked
package dev.agentmanager.store.inmemory;

import org.jspecify.annotations.NullMarked;
