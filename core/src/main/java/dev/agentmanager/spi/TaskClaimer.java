package dev.agentmanager.spi;

import dev.agentmanager.task.AgentTask;
import org.jspecify.annotations.Nullable;

/** Core's decision inside a store's claim: whether a queued candidate goes to the claiming agent. */
@FunctionalInterface
public interface TaskClaimer {
    /**
     * @param queued a queued candidate as stored
     * @return the claimed task to write (same id and version; the store increments the version), or {@code null}
     *     to leave it queued
     */
    @Nullable
    AgentTask claim(AgentTask queued);
}
