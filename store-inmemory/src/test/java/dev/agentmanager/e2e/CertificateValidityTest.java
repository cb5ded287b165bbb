package dev.agentmanager.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.AgentManager;
import dev.agentmanager.RevocationSettings;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificateStatus;
import dev.agentmanager.model.Registration;
import dev.agentmanager.spi.CrlContent;
import dev.agentmanager.testkit.TestAgents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The manager's certificate validity check and revocation list, over the store's one record of certificates. */
class CertificateValidityTest {

    @Test
    void aCertificateIsCurrentOnlyWithinItsValidity() {
        Fleet fleet = new Fleet();
        Registration web = fleet.register("web");
        String thumbprint = web.certificate().thumbprint();

        assertThat(fleet.manager.certificateValidity().check(thumbprint)).isEqualTo(CertificateStatus.CURRENT);
        assertThat(fleet.manager.certificateValidity().check(thumbprint.toUpperCase()))
                .as("any case")
                .isEqualTo(CertificateStatus.CURRENT);
        fleet.clock.set(web.certificate().notAfter());
        assertThat(fleet.manager.certificateValidity().check(thumbprint)).isEqualTo(CertificateStatus.EXPIRED);
        fleet.clock.set(web.certificate().notBefore().minusSeconds(1));
        assertThat(fleet.manager.certificateValidity().check(thumbprint)).isEqualTo(CertificateStatus.NOT_YET_VALID);
    }

    @Test
    void aRecordedCertificateThatNoAgentPinsIsUnknown() {
        Fleet fleet = new Fleet();
        Registration web = fleet.register("web");
        AgentCertificate stray = TestAgents.certificate(web.agent().id(), Fleet.T0);
        fleet.store.insertCertificate(stray); // recorded, never pinned (a renewal that failed half-way)

        assertThat(fleet.manager.certificateValidity().check(stray.thumbprint()))
                .isEqualTo(CertificateStatus.UNKNOWN);
        assertThat(fleet.manager.certificateValidity().check("ab".repeat(32))).isEqualTo(CertificateStatus.UNKNOWN);
        assertThatThrownBy(() -> fleet.manager.certificateValidity().check("not a thumbprint"))
                .isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void aRevocationIsRefusedAtOnceOnTheReplicaThatMadeIt() {
        Fleet fleet = new Fleet();
        Registration web = fleet.register("web");
        String thumbprint = web.certificate().thumbprint();
        assertThat(fleet.manager.certificateValidity().check(thumbprint)).isEqualTo(CertificateStatus.CURRENT);

        fleet.manager.revoke(web.agent().id());

        assertThat(fleet.manager.certificateValidity().check(thumbprint)).isEqualTo(CertificateStatus.REVOKED);
    }

    @Test
    void aSmallCacheStillAnswersRightForEveryCertificate() {
        Fleet fleet = new Fleet(b -> b.revocation(
                new RevocationSettings(Duration.ofSeconds(2), 4, Duration.ofDays(7), Duration.ofMinutes(5))));
        List<Registration> agents = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            agents.add(fleet.register("agent-" + i));
        }
        fleet.manager.revoke(agents.get(7).agent().id());

        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < agents.size(); i++) {
                assertThat(fleet.manager
                                .certificateValidity()
                                .check(agents.get(i).certificate().thumbprint()))
                        .as("agent %d", i)
                        .isEqualTo(i == 7 ? CertificateStatus.REVOKED : CertificateStatus.CURRENT);
            }
        }
    }

    @Test
    void theRevocationListHasEveryRevokedUnexpiredCertificateAndIsTheSameOnEveryReplica() {
        Fleet fleet = new Fleet();
        Registration web = fleet.register("web");
        Registration db = fleet.register("db");
        fleet.register("cache");
        fleet.clock.advance(Duration.ofMinutes(1));
        fleet.manager.revoke(web.agent().id());
        fleet.manager.revoke(db.agent().id());
        AgentManager replica = AgentManager.builder()
                .store(fleet.store)
                .certificateService(fleet.ca)
                .clock(fleet.clock)
                .build();

        fleet.manager.currentCrl();
        replica.currentCrl();
        fleet.manager.currentCrl(); // unchanged: not signed again

        List<CrlContent> signed = fleet.ca.signedCrls();
        assertThat(signed).hasSize(2);
        assertThat(signed.get(0)).isEqualTo(signed.get(1));
        CrlContent crl = signed.get(0);
        assertThat(crl.revoked())
                .extracting(AgentCertificate::serial)
                .containsExactlyInAnyOrder(
                        web.certificate().serial(), db.certificate().serial())
                .isSorted();
        assertThat(crl.thisUpdate()).isBeforeOrEqualTo(fleet.clock.instant());
        assertThat(crl.nextUpdate()).isAfterOrEqualTo(fleet.clock.instant().plus(Duration.ofDays(3)));

        fleet.clock.set(web.certificate().notAfter().plus(Duration.ofDays(4))); // both expired, a new half-period
        fleet.manager.currentCrl();
        CrlContent later = fleet.ca.signedCrls().get(2);
        assertThat(later.revoked()).as("expired certificates leave the list").isEmpty();
        assertThat(later.number()).isGreaterThan(crl.number());
    }
}
