package dev.agentmanager.examples;

import dev.agentmanager.AgentManager;
import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService;
import dev.agentmanager.ca.bouncycastle.client.AgentKeys;
import dev.agentmanager.model.CreatedRegistrationToken;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.HeartbeatResponse;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.store.inmemory.InMemoryAgentStore;
import java.security.KeyPair;

/**
 * README.md's quick start, verbatim between the markers (kept compiling and running by
 * {@code ReadmeQuickStartTest}): a manager on the in-memory store with the BouncyCastle CA, a one-time token,
 * a registration with a real CSR, and the first heartbeat.
 */
public final class ReadmeQuickStart {
    private ReadmeQuickStart() {}

    /** Runs the snippet and returns the first heartbeat's response. */
    public static HeartbeatResponse run() {
        // spotless:off (README.md shows these lines as they are)
        // README:BEGIN
        BouncyCastleCertificateService ca = BouncyCastleCertificateService.builder().build();
        AgentManager manager = AgentManager.builder()
                .store(new InMemoryAgentStore())
                .certificateService(ca)
                .listener(event -> System.out.println(event))
                .build();
        manager.start();                                        // the timeout monitor, on its own thread

        CreatedRegistrationToken token = manager.createToken(RegistrationTokenRequest.oneTime("web-01"));
        KeyPair keys = AgentKeys.generate();                    // on the agent: its key never leaves it
        Registration registration = manager.register(RegistrationRequest.builder().token(token.plaintext())
                .csrPem(AgentKeys.csrPem(keys, "web-01")).name("web-01").capability("docker", "24.0").build());
        HeartbeatResponse response = manager.heartbeatProcessor().process(Heartbeat.of(registration.agent().id(),
                registration.certificate().thumbprint(), 1, 1)); // host: the thumbprint its TLS layer saw
        // README:END
        // spotless:on
        manager.close();
        return response;
    }

    public static void main(String[] args) {
        System.out.println(run());
    }
}
