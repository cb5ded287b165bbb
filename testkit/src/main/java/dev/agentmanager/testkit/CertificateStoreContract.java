package dev.agentmanager.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.spi.RevocationFeed;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
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

    @Nested
    @DisplayName("revocation feed")
    class Feed {

        @Test
        void certificatesAreFoundByThumbprint() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            register(a);
            AgentCertificate renewal = TestAgents.certificate("agent-001", at(3600));
            store.insertCertificate(renewal);

            assertThat(store.findCertificateByThumbprint(a.certificate().thumbprint()))
                    .contains(a.certificate());
            assertThat(store.findCertificateByThumbprint(renewal.thumbprint())).contains(renewal);
            assertThat(store.findCertificateByThumbprint("ab".repeat(32))).isEmpty();
            store.revokeCertificate(renewal.serial(), at(4000));
            assertThat(store.findCertificateByThumbprint(renewal.thumbprint()))
                    .contains(renewal.withRevokedAt(at(4000)));
        }

        @Test
        void everyRevocationAfterAPositionIsInTheFeed() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            TestAgents.NewAgent b = TestAgents.newAgent("agent-002", T0);
            register(a);
            register(b);
            AgentCertificate renewal = TestAgents.certificate("agent-001", at(3600));
            store.insertCertificate(renewal);
            long start = store.revocationFeedPosition();

            store.revokeCertificate(renewal.serial(), at(4000));
            RevocationFeed first = store.revocationsSince(start);
            store.revokeCertificates("agent-002", at(5000));
            RevocationFeed second = store.revocationsSince(first.position());

            assertThat(first.revoked()).contains(renewal.withRevokedAt(at(4000)));
            assertThat(second.revoked()).contains(b.certificate().withRevokedAt(at(5000)));
            assertThat(store.revocationsSince(start).revoked())
                    .as("read again from the start")
                    .contains(renewal.withRevokedAt(at(4000)), b.certificate().withRevokedAt(at(5000)));
            assertThat(second.revoked())
                    .as("never an unrevoked certificate")
                    .allSatisfy(c -> assertThat(c.revokedAt()).isNotNull())
                    .doesNotContain(a.certificate());
        }

        @Test
        void aRevocationThatChangedNothingIsNotInTheFeed() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            register(a);
            store.revokeCertificate(a.certificate().serial(), at(100));
            long position = store.revocationFeedPosition();
            RevocationFeed before = store.revocationsSince(position);

            store.revokeCertificate(a.certificate().serial(), at(200));
            store.revokeCertificates("agent-001", at(300));

            assertThat(store.revocationsSince(position).revoked())
                    .as("at most what was there already, with the first revocation time")
                    .isSubsetOf(before.revoked());
        }

        @Test
        void aReaderFollowingTheFeedSeesEveryRacingRevocation() {
            List<AgentCertificate> certificates = new ArrayList<>();
            for (int i = 0; i < RACE_THREADS; i++) {
                TestAgents.NewAgent a = TestAgents.newAgent(String.format("agent-%03d", i), T0);
                register(a);
                certificates.add(a.certificate());
            }
            long start = store.revocationFeedPosition();
            Set<String> seen = ConcurrentHashMap.newKeySet();
            AtomicBoolean done = new AtomicBoolean();
            Thread reader = new Thread(() -> {
                long position = start;
                while (!done.get()) {
                    RevocationFeed feed = store.revocationsSince(position);
                    feed.revoked().forEach(c -> seen.add(c.serial()));
                    position = feed.position();
                }
                store.revocationsSince(position).revoked().forEach(c -> seen.add(c.serial()));
            });
            reader.start();

            race(
                    RACE_THREADS,
                    i -> () -> store.revokeCertificate(certificates.get(i).serial(), at(100 + i)));
            done.set(true);
            join(reader);

            assertThat(seen)
                    .containsAll(
                            certificates.stream().map(AgentCertificate::serial).toList());
        }

        @Test
        void revokedCertificatesAreListedUntilTheyExpire() {
            TestAgents.NewAgent a = TestAgents.newAgent("agent-001", T0);
            register(a);
            register("agent-002");
            AgentCertificate later = TestAgents.certificate("agent-001", at(3600));
            store.insertCertificate(later);
            store.revokeCertificates("agent-001", at(4000));
            Instant firstExpires = a.certificate().notAfter();

            assertThat(store.findRevokedCertificates(firstExpires.minusSeconds(1)))
                    .containsExactlyInAnyOrder(a.certificate().withRevokedAt(at(4000)), later.withRevokedAt(at(4000)));
            assertThat(store.findRevokedCertificates(firstExpires))
                    .as("expiring at the instant asked for is left out")
                    .containsExactly(later.withRevokedAt(at(4000)));
            assertThat(store.findRevokedCertificates(later.notAfter())).isEmpty();
        }
    }

    private static void join(Thread thread) {
        try {
            thread.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        assertThat(thread.isAlive()).as("feed reader finished").isFalse();
    }
}
