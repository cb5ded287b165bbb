/**
 * The typed, unchecked exceptions of the library, all below
 * {@link dev.agentmanager.exception.AgentManagerException}.
 */
@NullMarked
package dev.agentmanager.exception;

import org.jspecify.annotations.NullMarked;
