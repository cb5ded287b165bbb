package dev.agentmanager;

import dev.agentmanager.exception.AgentNotFoundException;
import dev.agentmanager.exception.AgentRevokedException;
import dev.agentmanager.exception.CapabilityNotAllowedException;
import dev.agentmanager.exception.CertificateMismatchException;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.exception.StaleHeartbeatException;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.HeartbeatResponse;

/**
 * Accepts agent heartbeats. (Name from the original design card; {@link HeartbeatProcessor} is the
 * implementation.) Thread-safe; the hot path of the library.
 */
public interface IHeartbeatProcessor {

    /**
     * Authenticates and records a heartbeat, moves the agent's lifecycle along (first heartbeat → ACTIVE,
     * back from missed heartbeats → ACTIVE, new boot epoch → restart event), stores capability, health and
     * version changes, and tells the agent what to do next.
     *
     * <p>Declared capabilities must stay within the agent's {@link dev.agentmanager.model.Agent#allowedCapabilities()
     * allowed set} (the scope of the token it registered with): a heartbeat that declares any other is refused
     * as a whole, and records nothing, not even liveness.
     *
     * @throws AgentNotFoundException if the agent does not exist
     * @throws AgentRevokedException if the agent is revoked
     * @throws CertificateMismatchException if the presented certificate is not the agent's, or expired
     * @throws StaleHeartbeatException if (epoch, sequence) is not newer than the last accepted
     * @throws CapabilityNotAllowedException if it declares a capability the agent's scope does not allow
     * @throws InvalidRequestException if the heartbeat is malformed
     */
    HeartbeatResponse process(Heartbeat heartbeat);
}
