package dev.agentmanager.store.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificatePin;
import dev.agentmanager.testkit.MutableClock;
import dev.agentmanager.testkit.TestAgents;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Certificates in the forms a record keeps apart from the usual ones (serials that are not canonical hex,
 * thumbprints that are not 64 lower-case hex digits, validity with fractions of a second or outside 1970 to
 * 2106) come back exactly, are found by serial and thumbprint, and do not clash with their usual look-alikes.
 */
class IrregularCertificatesTest {
    private static final Instant T0 = MutableClock.DEFAULT_START.plusSeconds(3600).minusNanos(MutableClock
            .DEFAULT_START.getNano()); // whole seconds: fractions are added below where wanted
    private static final String HEX = "00112233445566778899aabbccddeeff0123456789abcdef0123456789abcdef";

    @Test
    void rareFormsRoundTripAndAreFoundLikeUsualOnes() {
        List<String> serials = List.of("abcdef", "ABCDEF", "0abcdef", "serial-1", "1".repeat(32), "2".repeat(33), "0",
                "7f", "");
        List<String> thumbprints = List.of(HEX.replace("00", "f0"), HEX.toUpperCase(Locale.ROOT),
                HEX.substring(0, 40), HEX + "0", "sha256:" + HEX, "", "t\u00f6");
        List<Instant[]> validities = List.of(new Instant[] {T0, T0.plusSeconds(86_400)},
                new Instant[] {T0.plusNanos(1), T0.plusSeconds(86_400)},
                new Instant[] {T0, T0.plusSeconds(86_400).plusNanos(999_999_999)},
                new Instant[] {T0.plusMillis(5), T0.plusSeconds(60).plusNanos(7)},
                // whole seconds outside what an unsigned 32-bit count from 1970 holds, and its edges
                new Instant[] {Instant.parse("1950-01-01T00:00:00Z"), Instant.parse("9999-12-31T23:59:59Z")},
                new Instant[] {Instant.ofEpochSecond(0xFFFF_FFFFL), Instant.ofEpochSecond(0x1_0000_0000L)},
                new Instant[] {Instant.EPOCH.minusSeconds(1), Instant.EPOCH},
                new Instant[] {T0, Instant.parse("2106-02-07T06:28:16Z")});
        InMemoryAgentStore store = new InMemoryAgentStore();
        List<AgentCertificate> certificates = new ArrayList<>();
        List<Agent> agents = new ArrayList<>();
        int n = 0;
        for (String serial : serials) {
            for (int k = 0; k < 3; k++, n++) {
                String thumbprint = thumbprints.get(n % thumbprints.size());
                Instant[] validity = validities.get(n % validities.size());
                String agentId = "agent-" + n;
                // distinct serials: the rare form itself once, then with a suffix that keeps its kind
                String s = k == 0 ? serial : serial + (serial.equals(serial.toLowerCase(Locale.ROOT)) ? "" : "X") + k;
                String t = n < thumbprints.size() ? thumbprint : thumbprint + "-" + n; // distinct: each finds its agent
                AgentCertificate c = new AgentCertificate(s, t, agentId, validity[0], validity[1],
                        TestAgents.certificate(agentId, T0).certificatePem(), null);
                Agent agent = TestAgents.agent(agentId, T0).certificate(c.pin()).build();
                store.insertToken(TestAgents.oneTimeToken("tok-" + n, T0));
                assertThat(store.registerAgent("tok-" + n, TestAgents.redemption(agentId, T0), T0, agent, c)).isTrue();
                certificates.add(c);
                agents.add(agent);
            }
        }
        for (int i = 0; i < certificates.size(); i++) {
            AgentCertificate c = certificates.get(i);
            assertThat(store.findCertificate(c.serial())).as(c.serial()).contains(c);
            assertThat(store.findCertificates(c.agentId())).containsExactly(c);
            Agent stored = store.findAgent(c.agentId()).orElseThrow();
            assertThat(stored.certificate()).isEqualTo(c.pin());
            assertThat(store.findAgentByThumbprint(c.thumbprint())).contains(stored);
        }
        // a revocation replaces the record's side object: the rare forms it held stay, usual records get one
        Instant revokedAt = T0.plusSeconds(5).plusNanos(3);
        for (int i = 0; i < certificates.size(); i += 2) {
            AgentCertificate c = certificates.get(i);
            assertThat(store.revokeCertificates(c.agentId(), revokedAt)).containsExactly(c.serial());
            AgentCertificate revoked = new AgentCertificate(c.serial(), c.thumbprint(), c.agentId(), c.notBefore(),
                    c.notAfter(), c.certificatePem(), revokedAt);
            certificates.set(i, revoked);
        }
        for (AgentCertificate c : certificates) {
            assertThat(store.findCertificate(c.serial())).as(c.serial()).contains(c);
            assertThat(store.findAgentByThumbprint(c.thumbprint())).get().extracting(Agent::id)
                    .isEqualTo(c.agentId());
        }
        // look-alikes of the stored forms find nothing
        assertThat(store.findCertificate("ABCDEF".toLowerCase(Locale.ROOT) + "0")).isEmpty();
        assertThat(store.findCertificate("00abcdef")).isEmpty();
        assertThat(store.findAgentByThumbprint(HEX)).isEmpty();
        assertThat(store.findAgentByThumbprint(HEX.substring(0, 40).toUpperCase(Locale.ROOT))).isEmpty();
    }

    @Test
    void aPinThatDiffersFromItsRecordByAFractionOfASecondIsDetached() {
        InMemoryAgentStore store = new InMemoryAgentStore();
        TestAgents.NewAgent a = TestAgents.newAgent("agent-a", T0);
        store.insertToken(TestAgents.oneTimeToken("tok-a", T0));
        assertThat(store.registerAgent("tok-a", TestAgents.redemption("agent-a", T0), T0, a.agent(), a.certificate()))
                .isTrue();
        AgentCertificate c = a.certificate();
        CertificatePin almost = new CertificatePin(c.serial(), c.thumbprint(), c.notBefore().plusNanos(1),
                c.notAfter());
        Agent updated = store.updateAgent(a.agent().withCertificates(almost, null), 1).orElseThrow();
        assertThat(updated.certificate()).isEqualTo(almost);
        assertThat(store.findAgent("agent-a").orElseThrow().certificate()).isEqualTo(almost);
        assertThat(store.findAgentByThumbprint(c.thumbprint())).contains(updated);
        assertThat(store.findCertificate(c.serial())).contains(c);
    }
}
