/**
 * Small, runnable, tested examples of wiring agentmanager into a host: {@link
 * dev.agentmanager.examples.ReadmeQuickStart} (the README's snippet), {@link
 * dev.agentmanager.examples.PostgresWithHikari} (the JDBC store on PostgreSQL with a connection pool),
 * {@link dev.agentmanager.examples.EventsToSlf4j} (events into the host's logging) and {@link
 * dev.agentmanager.examples.AgentClient} (the agent's side of the demo's HTTP API). The in-memory quick start
 * with a manual clock is a unit test: {@code src/test/java/dev/agentmanager/examples/InMemoryQuickStartTest}.
 */
@NullMarked
package dev.agentmanager.examples;

import org.jspecify.annotations.NullMarked;
