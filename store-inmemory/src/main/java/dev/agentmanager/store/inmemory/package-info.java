/**
 * {@link dev.agentmanager.store.inmemory.InMemoryAgentStore}: a thread-safe, heap-only
 * {@link dev.agentmanager.spi.IAgentStore} with O(1) lookups, an allocation-free heartbeat path and a
 * timing-wheel deadline index.
 */
@NullMarked
package dev.agentmanager.store.inmemory;

import org.jspecify.annotations.NullMarked;
