package dev.agentmanager.ca.bouncycastle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificateRequest;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertPathValidatorException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PersistenceTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final CertificateRequest request;

    @TempDir
    Path dir;

    PersistenceTest() {
        try (BouncyCastleCertificateService decoder =
                BouncyCastleCertificateService.builder().build()) {
            request = decoder.decodeRequest(TestPki.csrPem(TestPki.P256));
        }
    }

    private BouncyCastleCertificateService open() {
        return BouncyCastleCertificateService.builder()
                .clock(clock)
                .stateDirectory(dir)
                .build();
    }

    @Test
    void restartKeepsTheCaItsCertificatesAndItsRevocations() throws Exception {
        AgentCertificate kept;
        AgentCertificate revoked;
        String pin;
        try (BouncyCastleCertificateService first = open()) {
            kept = first.issue("agent-1", request);
            revoked = first.issue("agent-2", request);
            first.revoke(revoked.serial(), clock.instant());
            pin = first.trustBundle().rootSha256();
        }
        clock.advance(Duration.ofMinutes(10));

        try (BouncyCastleCertificateService second = open()) {
            assertThat(second.trustBundle().rootSha256()).isEqualTo(pin);
            assertThat(second.isValidSerial(kept.serial())).isTrue();
            assertThat(second.isValidThumbprint(kept.thumbprint())).isTrue();
            assertThat(second.isValidSerial(revoked.serial())).isFalse();
            assertThat(second.isValidThumbprint(revoked.thumbprint())).isFalse();
            assertThat(second.currentCrl().getRevokedCertificate(new BigInteger(revoked.serial(), 16)))
                    .isNotNull();
            X509Certificate oldLeaf = TestPki.certificate(kept.certificatePem());
            TestPki.validate(oldLeaf, second.caCertificates(), clock.instant(), second.currentCrl());
            X509Certificate revokedLeaf = TestPki.certificate(revoked.certificatePem());
            assertThatThrownBy(() -> TestPki.validate(
                            revokedLeaf, second.caCertificates(), clock.instant(), second.currentCrl()))
                    .isInstanceOf(CertPathValidatorException.class);

            second.revoke(kept.serial(), clock.instant()); // revoked after the restart, remembered after the next
        }
        try (BouncyCastleCertificateService third = open()) {
            assertThat(third.isValidSerial(kept.serial())).isFalse();
            assertThat(third.currentCrl().getRevokedCertificates()).hasSize(2);
        }
    }

    @Test
    void generatedKeyIsWrittenOwnerOnlyAndTheDirectoryIsLockedWhileOpen() throws Exception {
        try (BouncyCastleCertificateService first = open()) {
            assertThat(Files.readString(dir.resolve("ca-key.pem"))).startsWith("-----BEGIN PRIVATE KEY-----");
            assertThat(Pem.readCertificates(Files.readString(dir.resolve("ca-chain.pem"))))
                    .isEqualTo(first.caCertificates());
            if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca-key.pem"))))
                        .isEqualTo("rw-------");
            }
            assertThatThrownBy(this::open)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("in use");
            first.close();
            assertThatThrownBy(() -> first.issue("a", request)).isInstanceOf(IllegalStateException.class);
        }
        try (BouncyCastleCertificateService again = open()) {
            assertThat(again.issue("a", request).agentId()).isEqualTo("a");
        }
    }

    @Test
    void expiredEntriesAreCompactedAwayOnRestart() throws Exception {
        AgentCertificate old;
        try (BouncyCastleCertificateService first = open()) {
            old = first.issue("agent-1", request);
            first.revoke(old.serial(), clock.instant());
        }
        assertThat(Files.readString(dir.resolve("certificates.log"))).contains(old.serial());

        clock.set(old.notAfter()
                .plus(BouncyCastleCertificateService.DEFAULT_CRL_VALIDITY)
                .plusSeconds(1));
        AgentCertificate fresh;
        try (BouncyCastleCertificateService second = open()) {
            fresh = second.issue("agent-1", request);
            assertThat(second.currentCrl().getRevokedCertificates()).isNull();
        }

        String ledger = Files.readString(dir.resolve("certificates.log"));
        assertThat(ledger).doesNotContain(old.serial()).contains("issued " + fresh.serial() + " " + fresh.thumbprint());
    }

    @Test
    void aTornLastLineIsIgnoredButCorruptionElsewhereStopsTheStart() throws Exception {
        AgentCertificate issued;
        try (BouncyCastleCertificateService first = open()) {
            issued = first.issue("agent-1", request);
        }
        Path ledger = dir.resolve("certificates.log");
        Files.writeString(ledger, "revoked " + issued.serial() + " 2030-01-0", StandardOpenOption.APPEND);

        try (BouncyCastleCertificateService second = open()) {
            assertThat(second.isValidSerial(issued.serial())).isTrue();
        }

        List<String> lines = Files.readAllLines(ledger);
        Files.writeString(
                ledger, String.join("\n", lines.get(0), lines.get(1), "issued nonsense", lines.get(2)) + "\n");
        assertThatThrownBy(this::open).isInstanceOf(IllegalStateException.class).hasMessageContaining("line 3");
    }

    @Test
    void aLedgerOfAnotherCaIsRefused() throws Exception {
        try (BouncyCastleCertificateService first = open()) {
            first.issue("agent-1", request);
        }
        Files.delete(dir.resolve("ca-key.pem"));
        Files.delete(dir.resolve("ca-chain.pem"));

        assertThatThrownBy(this::open).isInstanceOf(IllegalStateException.class).hasMessageContaining("another CA");
        assertThat(Files.exists(dir.resolve("ca-key.pem")))
                .as("a failed start leaves no new CA key")
                .isFalse();
    }

    @Test
    void aLoadedCaKeepsItsLedgerInTheStateDirectoryWithoutCopyingTheKey() throws Exception {
        Path caDir = Files.createDirectory(dir.resolve("ca"));
        Path stateDir = dir.resolve("state");
        var keys = KeyType.EC_P256.generateKeyPair();
        X509Certificate root = TestPki.caCertificate(
                keys,
                "CN=Loaded",
                null,
                null,
                clock.instant().minusSeconds(60),
                clock.instant().plus(Duration.ofDays(30)));
        Path chain = Files.writeString(caDir.resolve("chain.pem"), Pem.write(root));
        Path key = Files.writeString(caDir.resolve("key.pem"), Pem.write(keys.getPrivate()));
        AgentCertificate issued;
        try (BouncyCastleCertificateService first = BouncyCastleCertificateService.builder()
                .clock(clock)
                .caFromPem(chain, key)
                .stateDirectory(stateDir)
                .build()) {
            issued = first.issue("agent-1", request);
        }

        try (BouncyCastleCertificateService second = BouncyCastleCertificateService.builder()
                .clock(clock)
                .caFromPem(chain, key)
                .stateDirectory(stateDir)
                .build()) {
            assertThat(second.isValidSerial(issued.serial())).isTrue();
        }
        assertThat(Files.exists(stateDir.resolve("ca-key.pem"))).isFalse();
    }

    @Test
    void aPersistedCaOfAnotherKeyTypeIsNotSilentlySwapped() {
        try (BouncyCastleCertificateService first = open()) {
            assertThat(first.toString()).contains("EC P-256");
        }

        assertThatThrownBy(() -> BouncyCastleCertificateService.builder()
                        .stateDirectory(dir)
                        .caKeyType(KeyType.ED25519)
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("holds a EC P-256 CA");
        try (BouncyCastleCertificateService again = BouncyCastleCertificateService.builder()
                .clock(clock)
                .stateDirectory(dir)
                .caKeyType(KeyType.EC_P256)
                .build()) {
            assertThat(again.trustBundle().certificatesPem().getBytes(StandardCharsets.US_ASCII))
                    .isNotEmpty();
        }
    }
}
