package dev.agentmanager.store.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService;
import dev.agentmanager.ca.bouncycastle.KeyType;
import dev.agentmanager.ca.bouncycastle.client.AgentKeys;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificatePin;
import dev.agentmanager.testkit.MutableClock;
import dev.agentmanager.testkit.TestAgents;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The kinds of certificate record: which one a certificate gets, and that each gives back what it was given. */
class CertificateRecordTest {
    private static final Instant T0 = MutableClock.DEFAULT_START;

    private static List<AgentCertificate> issue(KeyType caKey, KeyType agentKey, int count) {
        try (BouncyCastleCertificateService ca = BouncyCastleCertificateService.builder().caKeyType(caKey).build()) {
            List<AgentCertificate> issued = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                byte[] csr = AgentKeys.csrPem(AgentKeys.generate(agentKey), "host").getBytes(StandardCharsets.US_ASCII);
                issued.add(ca.issue(UUID.randomUUID().toString(), ca.decodeRequest(csr)));
            }
            return issued;
        }
    }

    @Test
    void certificatesOfTheTemplatesFormWithA97ByteBodyAreHeldInline() {
        CertificateBodies bodies = new CertificateBodies();
        List<AgentCertificate> certificates = new ArrayList<>(issue(KeyType.EC_P256, KeyType.EC_P256, 3));
        certificates.addAll(issue(KeyType.ED25519, KeyType.ED25519, 2)); // another CA: not the template's form
        List<CertificateRecord> records = new ArrayList<>();
        for (AgentCertificate c : certificates) {
            records.add(CertificateRecord.of(c, c.agentId(), bodies));
        }
        assertThat(records.subList(0, 3)).allSatisfy(r -> assertThat(r).isInstanceOf(CertificateRecord.Inline.class));
        assertThat(records.subList(3, 5)).allSatisfy(r -> assertThat(r).isInstanceOf(CertificateRecord.Kept.class));
        for (int i = 0; i < certificates.size(); i++) {
            CertificateRecord r = records.get(i);
            assertThat(r.stored()).isTrue();
            assertThat(r.toCertificate(bodies)).isEqualTo(certificates.get(i));
        }
        // an Ed25519 certificate of an Ed25519 CA has a 32-byte key and a 64-byte signature too
        CertificateBodies ed = new CertificateBodies();
        for (AgentCertificate c : certificates.subList(3, 5)) {
            CertificateRecord r = CertificateRecord.of(c, c.agentId(), ed);
            assertThat(r).isInstanceOf(CertificateRecord.Inline.class);
            assertThat(r.toCertificate(ed)).isEqualTo(c);
        }
    }

    @Test
    void otherBodiesAreKeptAndPinsAreDetached() {
        CertificateBodies bodies = new CertificateBodies();
        AgentCertificate fake = TestAgents.certificate("agent-001", T0); // a PEM of text: deflated whole
        AgentCertificate empty = new AgentCertificate("abc", fake.thumbprint(), "agent-001", T0, T0.plusSeconds(60),
                "", null);
        CertificateRecord kept = CertificateRecord.of(fake, "agent-001", bodies);
        CertificateRecord noBody = CertificateRecord.of(empty, "agent-001", bodies);
        assertThat(kept).isInstanceOf(CertificateRecord.Kept.class);
        assertThat(kept.body()).isInstanceOf(byte[].class);
        assertThat(kept.toCertificate(bodies)).isEqualTo(fake);
        assertThat(noBody).isInstanceOf(CertificateRecord.Kept.class);
        assertThat(noBody.toCertificate(bodies)).isEqualTo(empty);

        AgentEntry entry = TestEntries.entry("agent-002");
        CertificatePin pin = new CertificatePin("1234", fake.thumbprint(), T0, T0.plusSeconds(60));
        CertificateRecord detached = CertificateRecord.detached(pin, entry);
        assertThat(detached).isInstanceOf(CertificateRecord.Detached.class);
        assertThat(detached.stored()).isFalse();
        assertThat(detached.body()).isNull();
        assertThat(detached.pin()).isEqualTo(pin);
        assertThat(detached.entry()).isSameAs(entry);
        assertThat(detached.matches(pin)).isTrue();
    }

    @Test
    void aRevokedInlineRecordKeepsItsOwnerAndBody() {
        CertificateBodies bodies = new CertificateBodies();
        List<AgentCertificate> certificates = issue(KeyType.EC_P256, KeyType.EC_P256, 2);
        AgentEntry entry = TestEntries.entry(certificates.get(1).agentId());
        CertificateRecord.of(certificates.get(0), certificates.get(0).agentId(), bodies); // the template
        AgentCertificate c = certificates.get(1);
        CertificateRecord r = CertificateRecord.of(c, entry, bodies);
        assertThat(r).isInstanceOf(CertificateRecord.Inline.class);
        assertThat(r.belongsTo(entry)).isTrue();

        Instant at = T0.plusSeconds(30).plusNanos(5);
        r.revoke(at);
        assertThat(r.revokedAt()).isEqualTo(at);
        assertThat(r.entry()).isSameAs(entry);
        assertThat(r.belongsTo(entry)).isTrue();
        assertThat(r.agentId()).isEqualTo(c.agentId());
        assertThat(r.hasSerial(c.serial())).isTrue();
        assertThat(r.toCertificate(bodies)).isEqualTo(new AgentCertificate(c.serial(), c.thumbprint(), c.agentId(),
                c.notBefore(), c.notAfter(), c.certificatePem(), at));
        assertThat(r.matches(c.pin())).isTrue();
    }
}
