/**
 * agentmanager: manage the deployment agents that run on a release orchestrator's target hosts.
 *
 * <p>Entry point: {@link dev.agentmanager.AgentManager#builder()}. The builder wires an
 * {@link dev.agentmanager.spi.IAgentStore} and an {@link dev.agentmanager.spi.IAgentCertificateService}
 * into an {@link dev.agentmanager.AgentManager} (which implements {@link dev.agentmanager.IAgentManager}),
 * its {@link dev.agentmanager.HeartbeatProcessor} ({@link dev.agentmanager.IHeartbeatProcessor}) and its
 * {@link dev.agentmanager.HeartbeatTimeoutMonitor}.
 *
 * <p>Naming: the four interfaces {@code IAgentManager}, {@code IHeartbeatProcessor},
 * {@code IAgentCertificateService} and {@code IAgentStore} keep the {@code I} prefix because those are the
 * names of the original design card that hosts already know. Nothing else in the library uses the prefix;
 * implementations are named for how they work ({@code InMemoryAgentStore}, {@code JdbcAgentStore}).
 *
 * <p>Nullness: every package is {@link org.jspecify.annotations.NullMarked}; a parameter or component that
 * may be {@code null} says so with {@link org.jspecify.annotations.Nullable}. Public methods reject
 * {@code null} elsewhere with a {@link java.lang.NullPointerException} naming the argument.
 */
@NullMarked
package dev.agentmanager;

import org.jspecify.annotations.NullMarked;
