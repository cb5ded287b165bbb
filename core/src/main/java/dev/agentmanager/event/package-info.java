/**
 * Lifecycle events. {@link dev.agentmanager.event.AgentEvent} is sealed: one record per event, delivered to
 * every {@link dev.agentmanager.event.AgentEventListener} after the state change is stored.
 */
@NullMarked
package dev.agentmanager.event;

import org.jspecify.annotations.NullMarked;
