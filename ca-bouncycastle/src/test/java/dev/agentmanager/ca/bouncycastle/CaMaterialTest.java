package dev.agentmanager.ca.bouncycastle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.ca.bouncycastle.client.AgentKeys;
import dev.agentmanager.ca.bouncycastle.internal.Bc;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.spi.CrlContent;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertPathValidatorException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CaMaterialTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));

    @TempDir
    Path dir;

    /** Issues, checks PKIX, revokes, checks the CRL and PKIX with it: the whole life of one certificate. */
    private static void exercise(BouncyCastleCertificateService ca, MutableClock clock) throws Exception {
        AgentCertificate issued = ca.issue("agent-1", ca.decodeRequest(TestPki.csrPem(TestPki.P256)));
        X509Certificate leaf = TestPki.certificate(issued.certificatePem());
        List<X509Certificate> chain = ca.caCertificates();
        TestPki.validate(leaf, chain, clock.instant(), null);

        Instant revokedAt = clock.instant();
        clock.advance(Duration.ofSeconds(1));
        X509CRL crl = (X509CRL) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCRL(new java.io.ByteArrayInputStream(ca.signCrl(new CrlContent(
                        List.of(issued.withRevokedAt(revokedAt)), revokedAt, revokedAt.plus(Duration.ofDays(1)), 1))));
        crl.verify(chain.get(0).getPublicKey());
        assertThat(crl.isRevoked(leaf)).isTrue();
        assertThatThrownBy(() -> TestPki.validate(leaf, chain, clock.instant(), crl))
                .isInstanceOf(CertPathValidatorException.class);
    }

    @ParameterizedTest
    @EnumSource(
            value = KeyType.class,
            names = {"EC_P256", "EC_P384", "ED25519", "RSA_2048"})
    void everyCaKeyTypeIssuesValidatesAndRevokes(KeyType type) throws Exception {
        BouncyCastleCertificateService ca = BouncyCastleCertificateService.builder()
                .clock(clock)
                .caKeyType(type)
                .build();

        assertThat(ca.toString()).contains(type.label());
        exercise(ca, clock);
    }

    @Test
    void generatedRootUsesTheConfiguredSubjectAndValidity() {
        BouncyCastleCertificateService ca = BouncyCastleCertificateService.builder()
                .clock(clock)
                .caSubject("CN=Orchestrator CA,O=Example")
                .caValidity(Duration.ofDays(365))
                .build();
        X509Certificate root = ca.caCertificates().get(0);

        assertThat(root.getSubjectX500Principal().getName()).isEqualTo("CN=Orchestrator CA,O=Example");
        assertThat(root.getNotAfter().toInstant()).isEqualTo(clock.instant().plus(Duration.ofDays(365)));
    }

    /** A root and an intermediate that issues; returns {intermediate keys, intermediate, root}. */
    private Object[] twoLevelCa() throws Exception {
        KeyPair rootKeys = KeyType.EC_P384.generateKeyPair();
        X509Certificate root = TestPki.caCertificate(
                rootKeys,
                "CN=Test Root",
                null,
                null,
                clock.instant().minus(Duration.ofDays(1)),
                clock.instant().plus(Duration.ofDays(3650)));
        KeyPair issuingKeys = KeyType.EC_P256.generateKeyPair();
        X509Certificate issuing = TestPki.caCertificate(
                issuingKeys,
                "CN=Test Issuing CA",
                rootKeys.getPrivate(),
                root,
                clock.instant().minus(Duration.ofDays(1)),
                clock.instant().plus(Duration.ofDays(365)));
        return new Object[] {issuingKeys, issuing, root};
    }

    @Test
    void loadsAnIntermediateCaFromPkcs12AndPinsItsRoot() throws Exception {
        Object[] material = twoLevelCa();
        KeyPair issuingKeys = (KeyPair) material[0];
        X509Certificate issuing = (X509Certificate) material[1];
        X509Certificate root = (X509Certificate) material[2];
        char[] password = "s3cret".toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("orchestrator-ca", issuingKeys.getPrivate(), password, new X509Certificate[] {issuing, root});
        Path file = dir.resolve("ca.p12");
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, password);
        }

        BouncyCastleCertificateService ca = BouncyCastleCertificateService.builder()
                .clock(clock)
                .caFromPkcs12(file, password)
                .build();

        assertThat(ca.caCertificates()).containsExactly(issuing, root);
        assertThat(Pem.readCertificates(ca.trustBundle().certificatesPem())).containsExactly(issuing, root);
        assertThat(ca.trustBundle().rootSha256())
                .isEqualTo(HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(root.getEncoded())));
        AgentCertificate issued = ca.issue("a", ca.decodeRequest(TestPki.csrPem(TestPki.P256)));
        assertThat(issued.notAfter()).isBefore(issuing.getNotAfter().toInstant().plusSeconds(1));
        assertThat(TestPki.certificate(issued.certificatePem()).getIssuerX500Principal())
                .isEqualTo(issuing.getSubjectX500Principal());
        exercise(ca, clock);

        assertThat(BouncyCastleCertificateService.builder()
                        .clock(clock)
                        .caFromPkcs12(file, password, "orchestrator-ca")
                        .build()
                        .caCertificates())
                .hasSize(2);
        assertThatThrownBy(() -> BouncyCastleCertificateService.builder()
                        .caFromPkcs12(file, "wrong".toCharArray())
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("wrong password");
        assertThatThrownBy(() -> BouncyCastleCertificateService.builder()
                        .caFromPkcs12(file, password, "nope")
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'nope'");
    }

    @Test
    void loadsFromPemWithPlainOrEncryptedKey() throws Exception {
        Object[] material = twoLevelCa();
        KeyPair issuingKeys = (KeyPair) material[0];
        X509Certificate issuing = (X509Certificate) material[1];
        X509Certificate root = (X509Certificate) material[2];
        Path chain = Files.writeString(dir.resolve("chain.pem"), Pem.write(List.of(issuing, root)));
        Path plainKey = Files.writeString(dir.resolve("key.pem"), Pem.write(issuingKeys.getPrivate()));
        StringWriter encrypted = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(encrypted)) {
            writer.writeObject(new JcaPKCS8Generator(
                    issuingKeys.getPrivate(),
                    new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                            .setProvider(Bc.provider())
                            .setPassword("pw".toCharArray())
                            .build()));
        }
        Path encryptedKey = Files.writeString(dir.resolve("key-enc.pem"), encrypted.toString());

        BouncyCastleCertificateService plain = BouncyCastleCertificateService.builder()
                .clock(clock)
                .caFromPem(chain, plainKey)
                .build();
        BouncyCastleCertificateService fromEncrypted = BouncyCastleCertificateService.builder()
                .clock(clock)
                .caFromPem(chain, encryptedKey, "pw".toCharArray())
                .build();

        assertThat(encrypted.toString()).contains("ENCRYPTED PRIVATE KEY");
        assertThat(plain.trustBundle()).isEqualTo(fromEncrypted.trustBundle());
        exercise(plain, clock);
        exercise(fromEncrypted, clock);
        assertThatThrownBy(() -> BouncyCastleCertificateService.builder()
                        .caFromPem(chain, encryptedKey)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("password is required");
    }

    @Test
    void refusesMaterialThatIsNotAUsableCa() throws Exception {
        Object[] material = twoLevelCa();
        KeyPair issuingKeys = (KeyPair) material[0];
        X509Certificate issuing = (X509Certificate) material[1];
        X509Certificate root = (X509Certificate) material[2];
        Path key = Files.writeString(dir.resolve("key.pem"), Pem.write(issuingKeys.getPrivate()));
        Path otherKey = Files.writeString(
                dir.resolve("other.pem"), Pem.write(AgentKeys.generate().getPrivate()));
        Path goodChain = Files.writeString(dir.resolve("chain.pem"), Pem.write(List.of(issuing, root)));
        Path reversed = Files.writeString(dir.resolve("reversed.pem"), Pem.write(List.of(root, issuing)));
        BouncyCastleCertificateService someCa =
                BouncyCastleCertificateService.builder().build();
        String leafPem = someCa.issue("a", someCa.decodeRequest(TestPki.csrPem(TestPki.P256)))
                .certificatePem();
        Path leaf = Files.writeString(dir.resolve("leaf.pem"), leafPem);
        Path leafKey = Files.writeString(dir.resolve("leaf-key.pem"), Pem.write(TestPki.P256.getPrivate()));
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "hello");

        assertThatThrownBy(() -> BouncyCastleCertificateService.builder()
                        .caFromPem(goodChain, otherKey)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not belong");
        assertThatThrownBy(() -> BouncyCastleCertificateService.builder()
                        .caFromPem(reversed, key)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("out of order");
        assertThatThrownBy(() -> BouncyCastleCertificateService.builder()
                        .caFromPem(leaf, leafKey)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a CA certificate");
        assertThatThrownBy(() -> BouncyCastleCertificateService.builder()
                        .caFromPem(garbage, key)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("garbage.pem");
    }
}
