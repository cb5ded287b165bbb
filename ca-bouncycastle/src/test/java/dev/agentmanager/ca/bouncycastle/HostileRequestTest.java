package dev.agentmanager.ca.bouncycastle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.ca.bouncycastle.client.AgentKeys;
import dev.agentmanager.ca.bouncycastle.internal.Bc;
import dev.agentmanager.exception.InvalidCertificateRequestException;
import dev.agentmanager.model.CertificateRequest;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import org.assertj.core.api.AbstractThrowableAssert;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.jce.ECNamedCurveTable;
import org.bouncycastle.jce.spec.ECNamedCurveParameterSpec;
import org.bouncycastle.jce.spec.ECParameterSpec;
import org.junit.jupiter.api.Test;

class HostileRequestTest {
    private final BouncyCastleCertificateService ca =
            BouncyCastleCertificateService.builder().build();

    private AbstractThrowableAssert<?, ? extends Throwable> assertRejected(byte[] request, String reason) {
        return assertThatThrownBy(() -> ca.decodeRequest(request))
                .isInstanceOf(InvalidCertificateRequestException.class)
                .hasMessageStartingWith("csr: ")
                .hasMessageContaining(reason);
    }

    @Test
    void acceptsPemAndDerAndReportsTheKeyIdentity() throws Exception {
        byte[] der = TestPki.csr(TestPki.P256, "SHA256withECDSA");
        String expectedKeyHash = HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(TestPki.P256.getPublic().getEncoded()));

        CertificateRequest fromDer = ca.decodeRequest(der);
        CertificateRequest fromPem =
                ca.decodeRequest(Pem.encode("CERTIFICATE REQUEST", der).getBytes(StandardCharsets.US_ASCII));
        CertificateRequest fromOldPem = ca.decodeRequest(
                ("\n  " + Pem.encode("NEW CERTIFICATE REQUEST", der)).getBytes(StandardCharsets.US_ASCII));

        assertThat(fromDer.der()).isEqualTo(der);
        assertThat(fromPem).isEqualTo(fromDer);
        assertThat(fromOldPem).isEqualTo(fromDer);
        assertThat(fromDer.publicKeySha256()).isEqualTo(expectedKeyHash);
        assertThat(fromDer.keyAlgorithm()).isEqualTo("EC P-256");
    }

    @Test
    void acceptsEd25519AndRsa3072AgentKeys() {
        assertThat(ca.decodeRequest(TestPki.csrPem(AgentKeys.generate(KeyType.ED25519)))
                        .keyAlgorithm())
                .isEqualTo("Ed25519");
        assertThat(ca.decodeRequest(TestPki.csrPem(AgentKeys.generate(KeyType.RSA_3072)))
                        .keyAlgorithm())
                .isEqualTo("RSA 3072");
    }

    @Test
    void rejectsATamperedSignature() throws Exception {
        byte[] der = TestPki.csr(TestPki.P256, "SHA256withECDSA");
        der[der.length - 1] ^= 0x01; // last byte of the signature's s value

        assertRejected(der, "signature");
    }

    @Test
    void rejectsARequestSignedWithAnotherKey() throws Exception {
        KeyPair other = AgentKeys.generate();
        byte[] mismatched =
                TestPki.csr(TestPki.spki(TestPki.P256), other.getPrivate(), "SHA256withECDSA", "CN=x", null);

        assertRejected(mismatched, "signature does not verify");
    }

    @Test
    void rejectsAPointThatIsNotOnTheCurve() throws Exception {
        SubjectPublicKeyInfo real = TestPki.spki(TestPki.P256);
        byte[] point = real.getPublicKeyData().getBytes();
        point[point.length - 1] ^= 0x01; // y no longer matches x
        SubjectPublicKeyInfo offCurve = new SubjectPublicKeyInfo(real.getAlgorithm(), point);

        assertRejected(TestPki.csr(offCurve, TestPki.P256.getPrivate(), "SHA256withECDSA", "CN=x", null), "signature");
    }

    @Test
    void rejectsRsa1024() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(1024);

        assertRejected(TestPki.csr(generator.generateKeyPair(), "SHA256withRSA"), "RSA key of 1024 bits is too small");
    }

    @Test
    void rejectsExplicitCurveParameters() throws Exception {
        ECNamedCurveParameterSpec named = ECNamedCurveTable.getParameterSpec("secp256r1");
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", Bc.provider());
        generator.initialize(new ECParameterSpec(named.getCurve(), named.getG(), named.getN(), named.getH()));
        KeyPair explicit = generator.generateKeyPair();

        assertRejected(TestPki.csr(explicit, "SHA256withECDSA"), "must name its curve");
    }

    @Test
    void rejectsANamedCurveOutsideThePolicy() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", Bc.provider());
        generator.initialize(new ECGenParameterSpec("secp256k1"));

        assertRejected(TestPki.csr(generator.generateKeyPair(), "SHA256withECDSA"), "secp256k1");
    }

    @Test
    void rejectsAnAlgorithmOutsideThePolicy() throws Exception {
        KeyPair ed448 = KeyPairGenerator.getInstance("Ed448").generateKeyPair();

        assertRejected(TestPki.csr(ed448, "Ed448"), "Ed448 keys are not allowed");
    }

    @Test
    void rejectsSha1Signatures() throws Exception {
        assertRejected(TestPki.csr(TestPki.P256, "SHA1withECDSA"), "not accepted");
    }

    @Test
    void rejectsGarbageEmptyAndTruncatedInput() throws Exception {
        byte[] garbage = new byte[300];
        new SecureRandom().nextBytes(garbage);
        garbage[0] = 0x30; // looks like a DER SEQUENCE at first glance
        byte[] der = TestPki.csr(TestPki.P256, "SHA256withECDSA");

        assertRejected(garbage, "not a PKCS#10");
        assertRejected(new byte[0], "empty");
        assertRejected(Arrays.copyOf(der, der.length - 10), "not a PKCS#10");
        assertRejected(Arrays.copyOf(der, der.length + 3), "not a PKCS#10");
        assertRejected(
                "-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n"
                        .getBytes(StandardCharsets.US_ASCII),
                "PEM");
    }

    @Test
    void rejectsPemOfTheWrongKindOrWithSeveralBlocks() throws Exception {
        byte[] der = TestPki.csr(TestPki.P256, "SHA256withECDSA");
        String request = Pem.encode("CERTIFICATE REQUEST", der);

        assertRejected(Pem.encode("CERTIFICATE", der).getBytes(StandardCharsets.US_ASCII), "found CERTIFICATE");
        assertRejected((request + request).getBytes(StandardCharsets.US_ASCII), "expected one PEM block, found 2");
    }

    @Test
    void rejectsOversizedInputBeforeParsingIt() {
        byte[] valid = TestPki.csrPem(TestPki.P256);
        byte[] padded = Arrays.copyOf(valid, 16 * 1024 + 1);
        Arrays.fill(padded, valid.length, padded.length, (byte) '\n'); // still a valid PEM request, only too big

        assertRejected(padded, "16385 bytes, more than the 16384 allowed");
    }

    @Test
    void keyPolicyIsConfigurable() {
        BouncyCastleCertificateService strict = BouncyCastleCertificateService.builder()
                .agentKeyAlgorithms(EnumSet.of(AgentKeyAlgorithm.EC_P256, AgentKeyAlgorithm.RSA))
                .minimumRsaKeySize(3072)
                .build();

        assertThat(strict.decodeRequest(TestPki.csrPem(TestPki.P256)).keyAlgorithm())
                .isEqualTo("EC P-256");
        assertThatThrownBy(() -> strict.decodeRequest(TestPki.csrPem(AgentKeys.generate(KeyType.ED25519))))
                .isInstanceOf(InvalidCertificateRequestException.class)
                .hasMessageContaining("Ed25519 keys are not allowed");
        assertThatThrownBy(() -> strict.decodeRequest(TestPki.csrPem(AgentKeys.generate(KeyType.RSA_2048))))
                .isInstanceOf(InvalidCertificateRequestException.class)
                .hasMessageContaining("at least 3072 bits");
    }

    @Test
    void issueRefusesARequestThatDidNotComeFromDecodeRequest() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(1024);
        byte[] weak = TestPki.csr(generator.generateKeyPair(), "SHA256withRSA");

        assertThatThrownBy(() -> ca.issue("a", new CertificateRequest(new byte[] {1, 2, 3}, "x", "EC P-256")))
                .isInstanceOf(InvalidCertificateRequestException.class);
        assertThatThrownBy(() -> ca.issue("a", new CertificateRequest(weak, "x", "RSA 2048")))
                .isInstanceOf(InvalidCertificateRequestException.class)
                .hasMessageContaining("too small");
    }
}
