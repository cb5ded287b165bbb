package dev.agentmanager.ca.bouncycastle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PemTest {

    @ParameterizedTest
    @EnumSource(
            value = KeyType.class,
            names = {"EC_P256", "EC_P384", "ED25519", "RSA_2048"})
    void privateKeysRoundTripAsJdkKeys(KeyType type) {
        KeyPair keys = type.generateKeyPair();

        PrivateKey read = Pem.readPrivateKey(Pem.write(keys.getPrivate()));

        assertThat(read.getEncoded()).isEqualTo(keys.getPrivate().getEncoded());
        assertThat(read.getClass().getName()).startsWith("sun.security");
    }

    @Test
    void readsOpenSslTraditionalEcKeys() throws Exception {
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance(
                "EC", dev.agentmanager.ca.bouncycastle.internal.Bc.provider());
        generator.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        KeyPair keys = generator.generateKeyPair();
        java.io.StringWriter traditional = new java.io.StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(traditional)) {
            writer.writeObject(keys); // OpenSSL's "EC PRIVATE KEY", curve named inside
        }

        PrivateKey read = Pem.readPrivateKey(traditional.toString());

        assertThat(traditional.toString()).contains("BEGIN EC PRIVATE KEY");
        assertThat(((java.security.interfaces.ECPrivateKey) read).getS())
                .isEqualTo(((java.security.interfaces.ECPrivateKey) keys.getPrivate()).getS());
    }

    @Test
    void certificateChainsRoundTripInOrder() {
        BouncyCastleCertificateService ca =
                BouncyCastleCertificateService.builder().build();
        X509Certificate root = ca.caCertificates().get(0);
        X509Certificate leaf = Pem.readCertificate(
                ca.issue("a", ca.decodeRequest(TestPki.csrPem(TestPki.P256))).certificatePem());

        assertThat(Pem.readCertificates(Pem.write(List.of(leaf, root)))).containsExactly(leaf, root);
        assertThat(Pem.readCertificates("comment before\n" + Pem.write(root) + "comment after\n"))
                .containsExactly(root);
    }

    @Test
    void malformedPemIsRefusedWithIllegalArgument() {
        String keyPem = Pem.write(KeyType.EC_P256.generateKeyPair().getPrivate());

        assertThatThrownBy(() -> Pem.readCertificates("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Pem.readCertificates("no pem here")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Pem.readCertificates(keyPem))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("found PRIVATE KEY");
        assertThatThrownBy(() -> Pem.readCertificates(Pem.encode("CERTIFICATE", new byte[] {1, 2, 3})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a well-formed X.509");
        assertThatThrownBy(() -> Pem.readPrivateKey(keyPem + keyPem)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Pem.readPrivateKey("garbage")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Pem.decode("X509 CRL", keyPem)).isInstanceOf(IllegalArgumentException.class);
    }
}
