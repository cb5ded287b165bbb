package dev.agentmanager.ca.bouncycastle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.ca.bouncycastle.client.AgentKeys;
import dev.agentmanager.exception.CertificateIssuanceException;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificateRequest;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.X509CertificateHolder;
import org.junit.jupiter.api.Test;

class IssuanceTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final BouncyCastleCertificateService ca =
            BouncyCastleCertificateService.builder().clock(clock).build();

    private AgentCertificate issue(String agentId) {
        return ca.issue(agentId, ca.decodeRequest(TestPki.csrPem(TestPki.P256)));
    }

    @Test
    void issuedCertificateValidatesWithTheJdkPkixValidatorAgainstTheRoot() throws Exception {
        AgentCertificate issued = issue("agent-1");
        X509Certificate leaf = TestPki.certificate(issued.certificatePem());

        var result = TestPki.validate(leaf, ca.caCertificates(), clock.instant(), null);

        assertThat(result.getTrustAnchor().getTrustedCert())
                .isEqualTo(ca.caCertificates().get(0));
        assertThat(leaf.getPublicKey().getEncoded())
                .isEqualTo(TestPki.P256.getPublic().getEncoded());
    }

    @Test
    void certificateCarriesExactlyTheSpecifiedExtensionsAndIdentity() throws Exception {
        AgentCertificate issued = issue("agent-7");
        X509Certificate leaf = TestPki.certificate(issued.certificatePem());
        X509CertificateHolder holder = new X509CertificateHolder(leaf.getEncoded());
        X509CertificateHolder caHolder =
                new X509CertificateHolder(ca.caCertificates().get(0).getEncoded());

        assertThat(leaf.getVersion()).isEqualTo(3);
        assertThat(holder.getSubject().toString()).isEqualTo("CN=agent-7");
        assertThat(holder.getIssuer()).isEqualTo(caHolder.getSubject());
        assertThat(leaf.getCriticalExtensionOIDs())
                .containsExactlyInAnyOrder(Extension.basicConstraints.getId(), Extension.keyUsage.getId());
        assertThat(leaf.getNonCriticalExtensionOIDs())
                .containsExactlyInAnyOrder(
                        Extension.extendedKeyUsage.getId(), Extension.subjectAlternativeName.getId(),
                        Extension.subjectKeyIdentifier.getId(), Extension.authorityKeyIdentifier.getId());
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(BasicConstraints.fromExtensions(holder.getExtensions()).isCA())
                .isFalse();
        assertThat(KeyUsage.fromExtensions(holder.getExtensions())).isEqualTo(new KeyUsage(KeyUsage.digitalSignature));
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(6, "urn:agent:agent-7"));

        byte[] keyBits = holder.getSubjectPublicKeyInfo().getPublicKeyData().getBytes();
        assertThat(SubjectKeyIdentifier.fromExtensions(holder.getExtensions()).getKeyIdentifier())
                .isEqualTo(MessageDigest.getInstance("SHA-1").digest(keyBits));
        assertThat(AuthorityKeyIdentifier.fromExtensions(holder.getExtensions())
                        .getKeyIdentifierObject()
                        .getOctets())
                .isEqualTo(SubjectKeyIdentifier.fromExtensions(caHolder.getExtensions())
                        .getKeyIdentifier());
    }

    @Test
    void serialIsRandomPositiveAtLeast64BitsWithinTwentyOctetsAndReportedAsPlainLowerCaseHex() throws Exception {
        AgentCertificate first = issue("agent-1");
        AgentCertificate second = issue("agent-1");
        X509Certificate leaf = TestPki.certificate(first.certificatePem());
        BigInteger serial = leaf.getSerialNumber();

        assertThat(serial.signum()).isPositive();
        assertThat(serial.bitLength()).isGreaterThanOrEqualTo(64);
        assertThat(serial.toByteArray().length).isLessThanOrEqualTo(20);
        assertThat(first.serial()).isEqualTo(serial.toString(16)).matches("[1-9a-f][0-9a-f]*");
        assertThat(second.serial()).isNotEqualTo(first.serial());
    }

    @Test
    void agentCertificateReportsThumbprintValidityAndLeafPem() throws Exception {
        AgentCertificate issued = issue("agent-1");
        X509Certificate leaf = TestPki.certificate(issued.certificatePem());

        assertThat(issued.agentId()).isEqualTo("agent-1");
        assertThat(issued.thumbprint())
                .isEqualTo(HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(leaf.getEncoded())));
        assertThat(issued.certificatePem()).startsWith("-----BEGIN CERTIFICATE-----\n");
        assertThat(Pem.readCertificates(issued.certificatePem())).hasSize(1);
        assertThat(issued.notBefore()).isEqualTo(clock.instant().minus(Duration.ofMinutes(5)));
        assertThat(issued.notAfter()).isEqualTo(clock.instant().plus(Duration.ofHours(24)));
        assertThat(leaf.getNotBefore().toInstant()).isEqualTo(issued.notBefore());
        assertThat(leaf.getNotAfter().toInstant()).isEqualTo(issued.notAfter());
        assertThat(issued.revokedAt()).isNull();
    }

    @Test
    void requestedCaFlagSubjectAndExtraNamesDoNotReachTheCertificate() throws Exception {
        ExtensionsGenerator wanted = new ExtensionsGenerator();
        wanted.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        wanted.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        wanted.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, "orchestrator.example.com"),
            new GeneralName(GeneralName.uniformResourceIdentifier, "urn:agent:someone-else")
        }));
        Extensions extensions = wanted.generate();
        byte[] hostile = TestPki.csr(
                TestPki.spki(TestPki.P256),
                TestPki.P256.getPrivate(),
                "SHA256withECDSA",
                "CN=admin,O=Orchestrator",
                extensions);

        CertificateRequest request = ca.decodeRequest(hostile);
        X509Certificate leaf = TestPki.certificate(ca.issue("agent-3", request).certificatePem());

        assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=agent-3");
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getKeyUsage()[5]).isFalse();
        assertThat(leaf.getKeyUsage()[6]).isFalse();
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(6, "urn:agent:agent-3"));
        X509CertificateHolder holder = new X509CertificateHolder(leaf.getEncoded());
        assertThat(holder.getExtensions().getExtensionOIDs()).hasSize(6);
    }

    @Test
    void spiffeIdentityIsConfigurable() throws Exception {
        BouncyCastleCertificateService spiffe = BouncyCastleCertificateService.builder()
                .identityUri(AgentIdentityUri.spiffe("prod.example.org"))
                .build();
        AgentCertificate issued = spiffe.issue("a-1", spiffe.decodeRequest(TestPki.csrPem(TestPki.P256)));

        assertThat(TestPki.certificate(issued.certificatePem()).getSubjectAlternativeNames())
                .containsExactly(List.of(6, "spiffe://prod.example.org/agent/a-1"));
        assertThatThrownBy(() -> AgentIdentityUri.spiffe("Bad Domain/x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void lifetimeAndSkewAllowanceAreConfigurable() {
        BouncyCastleCertificateService shortLived = BouncyCastleCertificateService.builder()
                .clock(clock)
                .certificateLifetime(Duration.ofHours(1))
                .clockSkewAllowance(Duration.ZERO)
                .build();

        AgentCertificate issued = shortLived.issue("a", shortLived.decodeRequest(TestPki.csrPem(TestPki.P256)));

        assertThat(issued.notBefore()).isEqualTo(clock.instant());
        assertThat(issued.notAfter()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
    }

    @Test
    void lifetimeNeverExceedsTheCaCertificate() {
        BouncyCastleCertificateService shortCa = BouncyCastleCertificateService.builder()
                .clock(clock)
                .caValidity(Duration.ofHours(2))
                .build();
        CertificateRequest request = shortCa.decodeRequest(TestPki.csrPem(TestPki.P256));
        clock.advance(Duration.ofHours(1));

        AgentCertificate issued = shortCa.issue("a", request);

        Instant caNotAfter = shortCa.caCertificates().get(0).getNotAfter().toInstant();
        assertThat(issued.notAfter())
                .isEqualTo(caNotAfter)
                .isEqualTo(clock.instant().plus(Duration.ofHours(1)));

        clock.advance(Duration.ofHours(1));
        assertThatThrownBy(() -> shortCa.issue("a", request))
                .isInstanceOf(CertificateIssuanceException.class)
                .hasMessageContaining("CA certificate expired");
    }

    @Test
    void agentIdMustBeAShortUriSafeName() {
        CertificateRequest request = ca.decodeRequest(TestPki.csrPem(TestPki.P256));

        for (String bad : List.of("", "a b", "a/b", "agent\u00e9", "x".repeat(65), "a,CN=admin")) {
            assertThatThrownBy(() -> ca.issue(bad, request))
                    .isInstanceOf(InvalidRequestException.class)
                    .satisfies(e ->
                            assertThat(((InvalidRequestException) e).field()).isEqualTo("agentId"));
        }
        assertThat(ca.issue("x".repeat(64), request).agentId()).hasSize(64);
    }

    @Test
    void issuedCertificatesOfEveryAcceptedAgentKeyTypeValidate() throws Exception {
        for (KeyType type : Set.of(KeyType.EC_P384, KeyType.ED25519, KeyType.RSA_3072)) {
            var keys = AgentKeys.generate(type);
            CertificateRequest request =
                    ca.decodeRequest(AgentKeys.csrPem(keys, "h").getBytes());
            X509Certificate leaf = TestPki.certificate(ca.issue("a", request).certificatePem());

            assertThat(request.keyAlgorithm()).isEqualTo(type.label());
            assertThat(leaf.getPublicKey().getEncoded())
                    .isEqualTo(keys.getPublic().getEncoded());
            TestPki.validate(leaf, ca.caCertificates(), clock.instant(), null);
        }
    }

    @Test
    void trustBundleHoldsTheChainAndTheRootPin() throws Exception {
        var bundle = ca.trustBundle();
        X509Certificate root = ca.caCertificates().get(0);

        assertThat(Pem.readCertificates(bundle.certificatesPem())).containsExactly(root);
        assertThat(bundle.rootSha256())
                .isEqualTo(HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(root.getEncoded())));
        assertThat(root.getBasicConstraints()).isZero();
        assertThat(root.getKeyUsage()[5]).isTrue();
        assertThat(root.getKeyUsage()[6]).isTrue();
        assertThat(root.getSubjectX500Principal().getName()).isEqualTo("CN=agentmanager CA");
        assertThat(ASN1OctetString.getInstance(root.getExtensionValue(Extension.subjectKeyIdentifier.getId())))
                .isNotNull();
    }

    @Test
    void serverCertificateChainsToTheSameRootForServerAuth() throws Exception {
        var serverKeys = AgentKeys.generate();
        X509Certificate server = ca.issueServerCertificate(
                serverKeys.getPublic(),
                Set.of("orchestrator.local"),
                Set.of(java.net.InetAddress.getLoopbackAddress()),
                Duration.ofDays(30));

        assertThat(server.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(server.getSubjectAlternativeNames())
                .containsExactlyInAnyOrder(List.of(2, "orchestrator.local"), List.of(7, "127.0.0.1"));
        TestPki.validate(server, ca.caCertificates(), clock.instant(), null);
    }
}
