package dev.agentmanager.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@link dev.agentmanager.spi.CertificateStore} role: certificate records by serial and by agent, and
 * their revocation.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class CertificateStoreContract extends StoreContract {

    /** A contract over the stores {@code factory} makes, one fresh store per test. */
    protected CertificateStoreContract(StoreFactory factory) {
        super(factory);
    }

    @Nested
    @DisplayName("certificates")
    class Certificates {

        @Test
        void insertedCertificateIsFound() {
            register("agent-001");
            AgentCertificate renewal = TestAgents.certificate("agent-001", at(3600));

            store.insertCertificate(renewal);

            assertThat(store.findCertificate(renewal.serial())).contains(renewal);
        }

        @Test
        void revokedCertificateRoundTrips() {
            register("agent-001");
            AgentCertificate revoked =
                    TestAgents.certificate("agent-001", at(3600)).withRevokedAt(at(4000));

            store.insertCertificate(revoked);

            assertThat(store.findCertificate(revoked.serial())).contains(revoked);
        }

        @Test
        void unknownSerialIsEmpty() {
            register("agent-001");

            assertThat(store.findCertificate("abcdef0123")).isEmpty();
        }

        @Test
        void duplicateSerialIsRefusedAndTheFirstIsKept() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            register(a);
            AgentCertificate clash =
                    TestAgents.certificate("agent-001", a.certificate().serial(), at(3600), at(7200));

            assertThatThrownBy(() -> store.insertCertificate(clash)).isInstanceOf(IllegalStateException.class);

            assertThat(store.findCertificate(a.certificate().serial())).contains(a.certificate());
            assertThat(store.findCertificates("agent-001")).containsExactly(a.certificate());
        }

        @Test
        void anAgentsCertificatesComeOldestFirst() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            register(a);
            register("agent-002");
            AgentCertificate second = TestAgents.certificate("agent-001", at(3600));
            AgentCertificate third = TestAgents.certificate("agent-001", at(7200));
            store.insertCertificate(second);
            store.insertCertificate(third);

            assertThat(store.findCertificates("agent-001")).containsExactly(a.certificate(), second, third);
            assertThat(store.findCertificates("agent-002")).hasSize(1);
            assertThat(store.findCertificates("agent-404")).isEmpty();
        }

        @Test
        void revokeReturnsOnlyNewlyRevokedSerials() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            register(a);
            TestAgents.NewAgent b = TestAgents.newAgent("agent-002", T0);
            register(b);
            AgentCertificate alreadyRevoked =
                    TestAgents.certificate("agent-001", at(60)).withRevokedAt(at(70));
            AgentCertificate renewal = TestAgents.certificate("agent-001", at(3600));
            store.insertCertificate(alreadyRevoked);
            store.insertCertificate(renewal);

            List<String> revoked = store.revokeCertificates("agent-001", at(5000));

            assertThat(revoked).containsExactlyInAnyOrder(a.certificate().serial(), renewal.serial());
            assertThat(store.findCertificate(a.certificate().serial()))
                    .contains(a.certificate().withRevokedAt(at(5000)));
            assertThat(store.findCertificate(renewal.serial())).contains(renewal.withRevokedAt(at(5000)));
            assertThat(store.findCertificate(alreadyRevoked.serial()))
                    .as("first revocation kept")
                    .contains(alreadyRevoked);
            assertThat(store.findCertificate(b.certificate().serial()))
                    .as("other agent untouched")
                    .contains(b.certificate());

            assertThat(store.revokeCertificates("agent-001", at(6000))).isEmpty();
            assertThat(store.findCertificate(renewal.serial())).contains(renewal.withRevokedAt(at(5000)));
            assertThat(store.findCertificates("agent-001"))
                    .extracting(AgentCertificate::revokedAt)
                    .containsExactly(at(5000), at(70), at(5000));
        }

        @Test
        void revokingOneCertificateBySerialRevokesItOnceAndNothingElse() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            register(a);
            AgentCertificate renewal = TestAgents.certificate("agent-001", at(3600));
            store.insertCertificate(renewal);
            Agent before = stored("agent-001");

            assertThat(store.revokeCertificate(a.certificate().serial(), at(4000)))
                    .isTrue();

            assertThat(store.findCertificate(a.certificate().serial()))
                    .contains(a.certificate().withRevokedAt(at(4000)));
            assertThat(store.findCertificate(renewal.serial()))
                    .as("the agent's other certificate")
                    .contains(renewal);
            assertThat(stored("agent-001")).as("the agent record").isEqualTo(before);
            assertThat(store.revokeCertificate(a.certificate().serial(), at(5000)))
                    .as("already revoked")
                    .isFalse();
            assertThat(store.findCertificate(a.certificate().serial()))
                    .as("first revocation kept")
                    .contains(a.certificate().withRevokedAt(at(4000)));
            assertThat(store.revokeCertificate("00ff00ff00ff00ff", at(5000)))
                    .as("unknown serial")
                    .isFalse();
            assertThat(store.revokeCertificates("agent-001", at(6000)))
                    .as("only what was left")
                    .containsExactly(renewal.serial());
        }

        @Test
        void ofRacingRevocationsOfOneCertificateExactlyOneTakesEffect() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            register(a);

            List<Boolean> results = race(
                    RACE_THREADS,
                    i -> () -> store.revokeCertificate(a.certificate().serial(), at(100 + i)));

            assertThat(results).filteredOn(Boolean::booleanValue).hasSize(1);
            assertThat(store.findCertificate(a.certificate().serial()))
                    .map(AgentCertificate::revokedAt)
                    .isPresent();
        }

        @Test
        void revokingCertificatesOfAnUnknownAgentIsEmpty() {
            assertThat(store.revokeCertificates("agent-404", at(10))).isEmpty();
        }

        @Test
        void revokingCertificatesDoesNotChangeTheAgent() {
            Agent a = register("agent-001");

            store.revokeCertificates("agent-001", at(10));

            assertThat(stored("agent-001")).isEqualTo(a);
        }
    }
}
