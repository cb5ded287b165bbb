package dev.agentmanager.ca.bouncycastle.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.ca.bouncycastle.KeyType;
import dev.agentmanager.ca.bouncycastle.Pem;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AgentKeysTest {

    @Test
    void defaultKeyIsEcP256() {
        KeyPair keys = AgentKeys.generate();

        assertThat(keys.getPublic()).isInstanceOf(ECPublicKey.class);
        assertThat(((ECPublicKey) keys.getPublic())
                        .getParams()
                        .getCurve()
                        .getField()
                        .getFieldSize())
                .isEqualTo(256);
    }

    @ParameterizedTest
    @EnumSource(
            value = KeyType.class,
            names = {"EC_P256", "EC_P384", "ED25519", "RSA_2048"})
    void requestIsSelfSignedForTheKeyAndCarriesTheHint(KeyType type) throws Exception {
        KeyPair keys = AgentKeys.generate(type);

        PKCS10CertificationRequest request = new PKCS10CertificationRequest(
                Pem.decode(Pem.CERTIFICATE_REQUEST, AgentKeys.csrPem(keys, "build-host-17")));

        assertThat(request.getSubject().toString()).isEqualTo("CN=build-host-17");
        assertThat(request.getSubjectPublicKeyInfo().getEncoded())
                .isEqualTo(keys.getPublic().getEncoded());
        assertThat(request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(keys.getPublic())))
                .isTrue();
    }

    @Test
    void commonNameHintMustBeShort() {
        assertThatThrownBy(() -> AgentKeys.csrPem(AgentKeys.generate(), ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AgentKeys.csrPem(AgentKeys.generate(), "x".repeat(65)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
