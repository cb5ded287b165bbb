package dev.agentmanager.store.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.testkit.MutableClock;
import dev.agentmanager.testkit.TestAgents;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Serials kept as words where they are canonical hex, as given otherwise; the table finds each exactly. */
class CertificateTableTest {
    private static final Instant T0 = MutableClock.DEFAULT_START;
    private static final List<String> SERIALS = List.of("0", "00", "1", "01", "f", "F", "a0",
            "7fffffffffffffff", "8000000000000000", "ffffffffffffffff", "10000000000000000", "1ffffffffffffffff",
            "4c6e7ce6ecf58c8a9159363b7561d233", "7fffffffffffffffffffffffffffffff", "ffffffffffffffffffffffffffffffff",
            "100000000000000000000000000000000", "4C6E7CE6ECF58C8A9159363B7561D233", "0c6e7ce6ecf58c8a", "-1", "",
            "serial 42", "g");

    @Test
    void everySerialFormRoundTripsExactlyAndIsFoundByItselfOnly() {
        CertificateTable table = new CertificateTable(4); // small: grows several times
        for (String serial : SERIALS) {
            table.add(CertificateRecord.of(certificate(serial), "agent-001", new CertificateBodies()));
        }
        assertThat(table.size()).isEqualTo(SERIALS.size());
        for (String serial : SERIALS) {
            CertificateRecord r = table.get(serial);
            assertThat(r).as(serial).isNotNull();
            assertThat(r.serial()).isEqualTo(serial);
            assertThat(r.hasSerial(serial)).isTrue();
            assertThat(r.serialHash()).isEqualTo(CertificateRecord.serialHash(serial));
        }
        assertThat(table.get("2")).isNull();
        assertThat(table.get("000")).isNull();
        assertThat(table.get("4c6e7ce6ecf58c8a9159363b7561d234")).isNull();
    }

    @Test
    void theStoreFindsCertificatesByEachSerialForm() {
        InMemoryAgentStore store = new InMemoryAgentStore();
        for (String serial : SERIALS) {
            store.insertCertificate(certificate(serial));
        }
        for (String serial : SERIALS) {
            assertThat(store.findCertificate(serial)).map(AgentCertificate::serial).contains(serial);
        }
        assertThat(store.findCertificates("agent-001")).hasSize(SERIALS.size());
        assertThatThrownBy(() -> store.insertCertificate(certificate("4c6e7ce6ecf58c8a9159363b7561d233")))
                .isInstanceOf(IllegalStateException.class);
        store.insertCertificate(certificate("4c6e7ce6ecf58c8a9159363b7561d234"));
    }

    private static AgentCertificate certificate(String serial) {
        return TestAgents.certificate("agent-001", serial, T0, T0.plusSeconds(3600));
    }
}
