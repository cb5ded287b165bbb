package dev.agentmanager.store.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificatePin;
import dev.agentmanager.testkit.MutableClock;
import dev.agentmanager.testkit.TestAgents;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The thumbprint index: every pinned certificate, stored or not, finds the agent that pins it, and a pin that
 * is replaced stops finding it.
 */
class ThumbprintIndexTest {
    private static final Instant T0 = MutableClock.DEFAULT_START;

    private final InMemoryAgentStore store = new InMemoryAgentStore();

    private Agent register(String id) {
        TestAgents.NewAgent a = TestAgents.newAgent(id, T0);
        store.insertToken(TestAgents.oneTimeToken("tok-" + id, T0));
        assertThat(store.registerAgent("tok-" + id, TestAgents.redemption(id, T0), T0, a.agent(), a.certificate()))
                .isTrue();
        return a.agent();
    }

    private Agent pin(Agent agent, CertificatePin current, CertificatePin next) {
        return store.updateAgent(agent.withCertificates(current, next), agent.version())
                .orElseThrow();
    }

    @Test
    void anAgentPinningAnotherAgentsCertificateIsFoundThroughItsDetachedPin() {
        Agent a = register("agent-a");
        Agent b = register("agent-b");

        // b also pins a's certificate as its next one: that record is a's, so b's pin is detached
        Agent b2 = pin(b, b.certificate(), a.certificate());
        assertThat(store.findAgentByThumbprint(b.certificate().thumbprint())).contains(b2);
        assertThat(store.findAgentByThumbprint(a.certificate().thumbprint()))
                .get()
                .satisfies(found -> assertThat(found.id()).isIn("agent-a", "agent-b"));

        // a moves off its certificate: only b pins it now
        AgentCertificate renewal = TestAgents.certificate("agent-a", T0.plusSeconds(60));
        store.insertCertificate(renewal);
        Agent a2 = pin(a, renewal.pin(), null);
        assertThat(store.findAgentByThumbprint(a.certificate().thumbprint())).contains(b2);
        assertThat(store.findAgentByThumbprint(renewal.thumbprint())).contains(a2);

        // b drops the detached pin: nobody pins a's first certificate any more
        Agent b3 = pin(b2, b.certificate(), null);
        assertThat(store.findAgentByThumbprint(a.certificate().thumbprint())).isEmpty();
        assertThat(store.findAgentByThumbprint(b.certificate().thumbprint())).contains(b3);
    }

    @Test
    void aPinMatchingNoStoredCertificateIsFoundUntilItIsReplaced() {
        Agent a = register("agent-a");
        AgentCertificate unstored = TestAgents.certificate("agent-a", T0.plusSeconds(60));

        Agent a2 = pin(a, a.certificate(), unstored.pin());
        assertThat(store.findAgentByThumbprint(unstored.thumbprint())).contains(a2);
        assertThat(store.findAgentByThumbprint(a.certificate().thumbprint())).contains(a2);

        // promoted to current, then stored and pinned again: found through the stored record
        Agent a3 = pin(a2, unstored.pin(), null);
        assertThat(store.findAgentByThumbprint(unstored.thumbprint())).contains(a3);
        assertThat(store.findAgentByThumbprint(a.certificate().thumbprint())).isEmpty();
        store.insertCertificate(unstored);
        Agent a4 = pin(a3, a.certificate(), unstored.pin());
        Agent a5 = pin(a4, a.certificate(), null);
        assertThat(store.findAgentByThumbprint(unstored.thumbprint())).isEmpty();
        assertThat(store.findAgentByThumbprint(a.certificate().thumbprint())).contains(a5);
    }

    @Test
    void certificatesSharingAThumbprintFindTheAgentThatPinsOne() {
        Agent a = register("agent-a");
        AgentCertificate first = store.findCertificates(a.id()).get(0);
        // a second stored record of another agent with the same thumbprint under another serial
        AgentCertificate twin = new AgentCertificate(
                TestAgents.nextSerial(),
                first.thumbprint(),
                "agent-z",
                first.notBefore(),
                first.notAfter(),
                first.certificatePem(),
                null);
        store.insertCertificate(twin);

        assertThat(store.findAgentByThumbprint(first.thumbprint()))
                .map(Agent::id)
                .contains("agent-a");
        assertThat(store.findAgentByThumbprint(first.thumbprint().toUpperCase()))
                .isEmpty();
    }
}
