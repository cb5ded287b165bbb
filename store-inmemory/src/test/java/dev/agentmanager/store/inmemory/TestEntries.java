package dev.agentmanager.store.inmemory;

import dev.agentmanager.model.Agent;
import dev.agentmanager.testkit.MutableClock;
import dev.agentmanager.testkit.TestAgents;

/** Entries for tests of the store's tables. */
final class TestEntries {
    private TestEntries() {}

    /** An entry made as the store makes one at registration, pinning its own stored certificate. */
    static AgentEntry entry(String id) {
        TestAgents.NewAgent a = TestAgents.newAgent(id, MutableClock.DEFAULT_START);
        Agent agent = a.agent();
        AgentEntry e = new AgentEntry(agent);
        synchronized (e) {
            CertificateRecord record = CertificateRecord.of(a.certificate(), e, new CertificateBodies());
            e.certificates = record;
            e.writeDurable(agent, agent.version(), new Interner(16), record, null);
        }
        return e;
    }
}
