package dev.agentmanager.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.event.HeartbeatRejection;
import dev.agentmanager.exception.AgentNotFoundException;
import dev.agentmanager.exception.AgentRevokedException;
import dev.agentmanager.exception.CertificateMismatchException;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.exception.StaleHeartbeatException;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentHealth;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Capability;
import dev.agentmanager.model.CertificateStatus;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.HeartbeatResponse;
import dev.agentmanager.model.Registration;
import dev.agentmanager.testkit.FakeCertificateService;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HeartbeatTest {
    private final Fleet fleet = new Fleet();
    private final Registration web = fleet.register("web");
    private final String id = web.agent().id();
    private final String thumbprint = web.certificate().thumbprint();

    private HeartbeatResponse beat(long epoch, long seq) {
        return fleet.manager.heartbeatProcessor().process(Heartbeat.of(id, thumbprint, epoch, seq));
    }

    @Test
    void theResponseIsASmallControlChannel() {
        fleet.clock.advance(Duration.ofSeconds(5));
        HeartbeatResponse response = beat(7, 1);

        assertThat(response.serverTime()).isEqualTo(fleet.clock.instant());
        assertThat(response.deadline()).isEqualTo(fleet.clock.instant().plus(Fleet.TIMEOUT));
        assertThat(response.bootEpoch()).isEqualTo(7);
        assertThat(response.sequence()).isEqualTo(1);
        assertThat(response.nextHeartbeatIn()).isBetween(Duration.ofSeconds(27), Duration.ofSeconds(33));
        assertThat(response.renewCertificate()).isFalse();
        assertThat(fleet.agent(id).liveness().lastHeartbeatAt()).isEqualTo(fleet.clock.instant());
        assertThat(fleet.agent(id).liveness().deadline()).isEqualTo(response.deadline());
    }

    @Test
    void duplicatesReplaysAndReorderedHeartbeatsAreStale() {
        beat(1, 5);

        assertThatThrownBy(() -> beat(1, 5)).isInstanceOf(StaleHeartbeatException.class);
        assertThatThrownBy(() -> beat(1, 4)).isInstanceOf(StaleHeartbeatException.class);
        assertThatThrownBy(() -> beat(0, 100)).isInstanceOf(StaleHeartbeatException.class);
        assertThat(fleet.events.events(AgentEvent.HeartbeatRejected.class))
                .extracting(AgentEvent.HeartbeatRejected::reason)
                .containsOnly(HeartbeatRejection.STALE)
                .hasSize(3);
        assertThat(fleet.agent(id).liveness().sequence()).isEqualTo(5);
        assertThat(beat(1, 6).sequence()).isEqualTo(6);
    }

    @Test
    void aNewBootEpochIsAcceptedAsARestart() {
        beat(1, 50);
        beat(2, 1);

        AgentEvent.AgentRestarted restart = fleet.events.single(AgentEvent.AgentRestarted.class);
        assertThat(restart.previousEpoch()).isEqualTo(1);
        assertThat(restart.newEpoch()).isEqualTo(2);
        assertThat(fleet.agent(id).liveness().bootEpoch()).isEqualTo(2);
    }

    @Test
    void theAgentsOwnClockIsDataOnly() {
        fleet.manager
                .heartbeatProcessor()
                .process(Heartbeat.builder(id, thumbprint)
                        .bootEpoch(1)
                        .sequence(1)
                        .agentTime(fleet.clock.instant().plusSeconds(3600))
                        .build());

        assertThat(fleet.agent(id).liveness().clockSkew()).isEqualTo(Duration.ofHours(1));
        assertThat(fleet.agent(id).liveness().deadline())
                .isEqualTo(fleet.clock.instant().plus(Fleet.TIMEOUT));
    }

    @Test
    void onlyTheAgentsOwnValidCertificateIsAccepted() {
        Registration other = fleet.register("other");

        assertThatThrownBy(() -> fleet.manager
                        .heartbeatProcessor()
                        .process(Heartbeat.of(id, other.certificate().thumbprint(), 1, 1)))
                .isInstanceOf(CertificateMismatchException.class);
        assertThatThrownBy(() -> fleet.manager.heartbeatProcessor().process(Heartbeat.of("nobody", thumbprint, 1, 1)))
                .isInstanceOf(AgentNotFoundException.class);
        fleet.clock.advance(fleet.ca.lifetime().plusSeconds(1));
        assertThatThrownBy(() -> beat(1, 1)).isInstanceOf(CertificateMismatchException.class);
        assertThat(fleet.events.events(AgentEvent.HeartbeatRejected.class))
                .extracting(AgentEvent.HeartbeatRejected::reason)
                .containsExactly(
                        HeartbeatRejection.CERTIFICATE_MISMATCH,
                        HeartbeatRejection.UNKNOWN_AGENT,
                        HeartbeatRejection.CERTIFICATE_EXPIRED);
        assertThat(fleet.agent(id).status()).isEqualTo(AgentStatus.PENDING);
    }

    @Test
    void malformedHeartbeatsAreRefused() {
        assertThatThrownBy(() -> beat(-1, 1)).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> fleet.manager.heartbeatProcessor().process(Heartbeat.of(id, "not-hex", 1, 1)))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> fleet.manager
                        .heartbeatProcessor()
                        .process(Heartbeat.builder(id, thumbprint)
                                .sequence(1)
                                .capabilities(Set.of(Capability.of("bad name")))
                                .build()))
                .isInstanceOf(InvalidRequestException.class);
        assertThat(fleet.agent(id).liveness().lastHeartbeatAt()).isNull();
    }

    @Test
    void routineHeartbeatsKeepEveryCheck() {
        beat(1, 1); // PENDING -> ACTIVE: from now on a liveness-only beat is routine
        assertThat(fleet.agent(id).status()).isEqualTo(AgentStatus.ACTIVE);
        long version = fleet.agent(id).version();

        // an upper-case thumbprint is the same certificate: validation normalises it
        fleet.manager
                .heartbeatProcessor()
                .process(Heartbeat.of(id, thumbprint.toUpperCase(java.util.Locale.ROOT), 1, 2));
        beat(1, 3);
        assertThatThrownBy(() -> beat(1, 3)).isInstanceOf(StaleHeartbeatException.class);
        Registration other = fleet.register("other");
        assertThatThrownBy(() -> fleet.manager
                        .heartbeatProcessor()
                        .process(Heartbeat.of(id, other.certificate().thumbprint(), 1, 4)))
                .isInstanceOf(CertificateMismatchException.class);
        assertThatThrownBy(
                        () -> fleet.manager.heartbeatProcessor().process(Heartbeat.of(id + "\u0000", thumbprint, 1, 4)))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> fleet.manager.heartbeatProcessor().process(Heartbeat.of(id, "g".repeat(64), 1, 4)))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> fleet.manager
                        .heartbeatProcessor()
                        .process(Heartbeat.of(id.toUpperCase(java.util.Locale.ROOT), thumbprint, 1, 4)))
                .isInstanceOf(AgentNotFoundException.class); // ids are case-sensitive

        assertThat(fleet.events.events(AgentEvent.HeartbeatRejected.class))
                .extracting(AgentEvent.HeartbeatRejected::reason)
                .containsExactly(
                        HeartbeatRejection.STALE,
                        HeartbeatRejection.CERTIFICATE_MISMATCH,
                        HeartbeatRejection.INVALID,
                        HeartbeatRejection.INVALID,
                        HeartbeatRejection.UNKNOWN_AGENT);
        assertThat(fleet.agent(id).liveness().sequence()).isEqualTo(3);
        assertThat(fleet.agent(id).version()).isEqualTo(version); // liveness only: no durable write
    }

    @Test
    void aLivenessOnlyAndAReportingHeartbeatGetTheSameRenewalHint() {
        Duration lifetime = fleet.ca.lifetime();
        java.util.List<Registration> agents = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Registration r = fleet.register("agent-" + i);
            fleet.manager
                    .heartbeatProcessor()
                    .process(Heartbeat.of(r.agent().id(), r.certificate().thumbprint(), 1, 1)); // ACTIVE
            agents.add(r);
        }
        long seq = 2;
        java.util.Set<Integer> partlyRenewing = new java.util.TreeSet<>(); // percents where some renew, some not
        for (int percent = 60; percent <= 74; percent++) { // across 2/3 ± 5 %
            int renewing = 0;
            fleet.clock.set(agents.get(0)
                    .certificate()
                    .notBefore()
                    .plus(lifetime.multipliedBy(percent).dividedBy(100)));
            for (Registration r : agents) {
                String agentId = r.agent().id();
                String tp = r.certificate().thumbprint();
                boolean livenessOnly = fleet.manager
                        .heartbeatProcessor()
                        .process(Heartbeat.of(agentId, tp, 1, seq))
                        .renewCertificate();
                boolean reporting = fleet.manager
                        .heartbeatProcessor()
                        .process(Heartbeat.builder(agentId, tp)
                                .bootEpoch(1)
                                .sequence(seq + 1)
                                .health(AgentHealth.HEALTHY)
                                .build())
                        .renewCertificate();
                assertThat(livenessOnly)
                        .as("agent %s at %d %%", agentId, percent)
                        .isEqualTo(reporting);
                renewing += livenessOnly ? 1 : 0;
            }
            if (renewing > 0 && renewing < agents.size()) {
                partlyRenewing.add(percent);
            }
            seq += 2;
        }
        assertThat(partlyRenewing)
                .as("percents of the lifetime where only some agents renew")
                .isNotEmpty()
                .allMatch(p -> p >= 61 && p <= 72);
    }

    @Test
    void capabilityHealthAndVersionChangesAreStoredOnceAndAnnounced() {
        Heartbeat.Builder report = Heartbeat.builder(id, thumbprint)
                .bootEpoch(1)
                .capabilities(Set.of(Capability.of("docker", "25.0"), Capability.of("compose", "2.24")))
                .health(AgentHealth.DEGRADED)
                .agentVersion("1.4.0");
        long versionBefore = fleet.agent(id).version();
        fleet.manager.heartbeatProcessor().process(report.sequence(1).build());
        long versionAfter = fleet.agent(id).version();
        fleet.manager.heartbeatProcessor().process(report.sequence(2).build()); // same report again

        assertThat(fleet.agent(id).version()).isEqualTo(versionAfter).isGreaterThan(versionBefore);
        assertThat(fleet.events.single(AgentEvent.CapabilitiesChanged.class).current())
                .contains(Capability.of("compose", "2.24"));
        assertThat(fleet.events.single(AgentEvent.HealthChanged.class).current())
                .isEqualTo(AgentHealth.DEGRADED);
        assertThat(fleet.events.single(AgentEvent.AgentVersionChanged.class).current())
                .isEqualTo("1.4.0");
        assertThat(fleet.manager.findAgents(
                        AgentQuery.builder().capability("compose", "2.0").build()))
                .extracting(a -> a.id())
                .containsExactly(id);
        assertThat(fleet.manager.findAgents(
                        AgentQuery.builder().capability("docker", "25.1").build()))
                .isEmpty();
    }

    @Test
    void theResponseAsksForRenewalAfterAboutTwoThirdsOfTheLifetime() {
        Duration lifetime = fleet.ca.lifetime();
        fleet.clock.advance(lifetime.multipliedBy(60).dividedBy(100));
        assertThat(beat(1, 1).renewCertificate()).isFalse();
        fleet.clock.advance(lifetime.multipliedBy(12).dividedBy(100)); // 72 %, past 2/3 + 5 %
        assertThat(beat(1, 2).renewCertificate()).isTrue();
    }

    @Test
    void renewalPinsTheNewCertificateAndTheOldOneStopsOnceTheNewOneIsUsed() {
        beat(1, 1);
        AgentCertificate renewed =
                fleet.manager.renewCertificate(id, thumbprint, FakeCertificateService.csrFor("web-2"));

        assertThat(fleet.agent(id).nextCertificate()).isEqualTo(renewed.pin());
        assertThat(beat(1, 2).renewCertificate()).isFalse(); // old one still works during the overlap
        fleet.manager.heartbeatProcessor().process(Heartbeat.of(id, renewed.thumbprint(), 1, 3));

        assertThat(fleet.agent(id).certificate()).isEqualTo(renewed.pin());
        assertThat(fleet.agent(id).nextCertificate()).isNull();
        assertThat(fleet.manager.findAgentByThumbprint(renewed.thumbprint()))
                .map(a -> a.id())
                .contains(id);
        assertThatThrownBy(() -> beat(1, 4)).isInstanceOf(CertificateMismatchException.class);
        assertThat(fleet.manager.certificateValidity().check(web.certificate().thumbprint()))
                .isEqualTo(CertificateStatus.REVOKED); // refused by TLS layers too
        assertThat(fleet.manager.certificates(id))
                .as("the store's records agree with the authority")
                .extracting(c -> c.serial(), c -> c.revokedAt() != null)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(web.certificate().serial(), true),
                        org.assertj.core.groups.Tuple.tuple(renewed.serial(), false));
        assertThat(fleet.events.events(AgentEvent.CertificateIssued.class))
                .extracting(e -> e.renewal())
                .containsExactly(false, true);
    }

    @Test
    void aRevokedAgentCannotHeartbeatOrRenew() {
        beat(1, 1);
        fleet.manager.revoke(id);

        assertThatThrownBy(() -> beat(1, 2)).isInstanceOf(AgentRevokedException.class);
        assertThatThrownBy(() -> fleet.manager.renewCertificate(id, thumbprint, FakeCertificateService.csrFor("x")))
                .isInstanceOf(AgentRevokedException.class);
        assertThat(fleet.agent(id).liveness().sequence()).isEqualTo(1);
    }
}
