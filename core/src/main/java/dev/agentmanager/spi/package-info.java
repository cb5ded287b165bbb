/**
 * Service provider interfaces: what a store module ({@link dev.agentmanager.spi.IAgentStore}) and a
 * certificate authority module ({@link dev.agentmanager.spi.IAgentCertificateService}) implement.
 *
 * <p>The store contract is pinned down by the abstract contract suite in the {@code agentmanager-testkit}
 * artifact; a store is correct when its test extends that suite and passes.
 */
@NullMarked
package dev.agentmanager.spi;

import org.jspecify.annotations.NullMarked;
