package dev.agentmanager.spring.sample;

import dev.agentmanager.AgentManager;
import dev.agentmanager.exception.AgentManagerException;
import dev.agentmanager.exception.RegistrationTokenRejectedException;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.HeartbeatResponse;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.spring.AgentCertificates;
import jakarta.servlet.http.HttpServletRequest;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** The orchestrator's agent API: what a host writes on top of the starter. */
@RestController
public class AgentApi {
    public record RegisterRequest(String token, String csrPem, String name) {}

    public record Registered(String agentId, String certificatePem, String trustBundlePem) {}

    public record Beat(long bootEpoch, long sequence) {}

    public record BeatReply(String agentId, String status, long nextHeartbeatInMillis, boolean renewCertificate) {}

    private final AgentManager manager;
    /** Heartbeats that reached this controller. */
    final AtomicInteger heartbeatsHandled = new AtomicInteger();

    public AgentApi(AgentManager manager) {
        this.manager = manager;
    }

    /** First contact, on the application's port: server TLS only, the token authenticates. */
    @PostMapping("/agents/register")
    public Registered register(@RequestBody RegisterRequest request, HttpServletRequest http) {
        Registration registration = manager.register(RegistrationRequest.builder()
                .token(request.token())
                .csrPem(request.csrPem())
                .name(request.name())
                .remoteAddress(http.getRemoteAddr())
                .build());
        return new Registered(
                registration.agent().id(),
                registration.certificate().certificatePem(),
                registration.trustBundle().certificatesPem());
    }

    /** On the agent connector: the client certificate, checked in the handshake, says who is calling. */
    @PostMapping("/agents/heartbeat")
    public BeatReply heartbeat(@RequestBody Beat beat, HttpServletRequest http) {
        String thumbprint = AgentCertificates.requireThumbprint(http);
        heartbeatsHandled.incrementAndGet();
        Agent agent = manager.findAgentByThumbprint(thumbprint).orElseThrow(UnknownAgent::new);
        HeartbeatResponse response = manager.heartbeatProcessor()
                .process(Heartbeat.of(agent.id(), thumbprint, beat.bootEpoch(), beat.sequence()));
        return new BeatReply(
                agent.id(),
                response.status().name(),
                response.nextHeartbeatIn().toMillis(),
                response.renewCertificate());
    }

    /** Every token refusal looks the same to the caller. */
    @ExceptionHandler(RegistrationTokenRejectedException.class)
    @ResponseStatus(HttpStatus.UNAUTHORIZED)
    public String tokenRejected() {
        return "registration refused";
    }

    @ExceptionHandler({AgentManagerException.class, UnknownAgent.class})
    @ResponseStatus(HttpStatus.FORBIDDEN)
    public String refused() {
        return "refused";
    }

    static final class UnknownAgent extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }
}
