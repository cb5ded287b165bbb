package dev.agentmanager.store.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.ca.bouncycastle.AgentKeyAlgorithm;
import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService;
import dev.agentmanager.ca.bouncycastle.KeyType;
import dev.agentmanager.ca.bouncycastle.client.AgentKeys;
import dev.agentmanager.model.AgentCertificate;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Certificates of the real BouncyCastle CA with every key type it signs with and every agent key type it
 * accepts: each PEM comes back exactly, in the form its keys allow (an EC point compressed, an ECDSA signature
 * as r || s, anything else as it is), and the certificates after the first of a kind keep nothing of the
 * template's skeleton.
 */
class CertificateBodiesOfEveryKeyTypeTest {
    /** An agent key type: how to make a key pair, and whether its public key is an EC point. */
    private record AgentKey(String name, Supplier<KeyPair> generate, boolean ec) {}

    private static final List<AgentKey> AGENT_KEYS = List.of(
            new AgentKey("EC P-256", () -> AgentKeys.generate(KeyType.EC_P256), true),
            new AgentKey("EC P-384", () -> AgentKeys.generate(KeyType.EC_P384), true),
            new AgentKey("EC P-521", () -> generate("EC", "secp521r1"), true),
            new AgentKey("Ed25519", () -> AgentKeys.generate(KeyType.ED25519), false),
            new AgentKey("Ed448", () -> generate("Ed448", null), false),
            new AgentKey("RSA 2048", () -> AgentKeys.generate(KeyType.RSA_2048), false));

    @Test
    void everyKindOfCertificateRoundTripsExactlyInTheFormItsKeysAllow() {
        Map<AgentKey, List<KeyPair>> keys = new HashMap<>(); // three agents' keys per type, for every CA
        for (AgentKey agentKey : AGENT_KEYS) {
            keys.put(agentKey, List.of(agentKey.generate().get(), agentKey.generate().get(), agentKey.generate().get()));
        }
        for (KeyType caKey : List.of(KeyType.EC_P256, KeyType.EC_P384, KeyType.ED25519, KeyType.RSA_2048)) {
            try (BouncyCastleCertificateService ca = BouncyCastleCertificateService.builder().caKeyType(caKey)
                    .agentKeyAlgorithms(EnumSet.allOf(AgentKeyAlgorithm.class)).build()) {
                boolean ecdsa = caKey == KeyType.EC_P256 || caKey == KeyType.EC_P384;
                for (AgentKey agentKey : AGENT_KEYS) {
                    String kind = caKey.label() + " CA, " + agentKey.name() + " agent";
                    CertificateBodies bodies = new CertificateBodies();
                    InMemoryAgentStore store = new InMemoryAgentStore();
                    List<AgentCertificate> issued = new ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        String agentId = UUID.randomUUID().toString();
                        byte[] csr = AgentKeys.csrPem(keys.get(agentKey).get(i), "host-" + i)
                                .getBytes(StandardCharsets.US_ASCII);
                        AgentCertificate c = ca.issue(agentId, ca.decodeRequest(csr));
                        issued.add(c);
                        store.insertCertificate(c);

                        DerFields.Known known = new DerFields.Known(c.serial(), c.notBefore(), c.notAfter());
                        byte[] body = (byte[]) bodies.compact(c.certificatePem(), agentId, known);
                        assertThat(bodies.pem(body, agentId, known)).as(kind).isEqualTo(c.certificatePem());
                        int flags = body[0] & 0xFF;
                        assertThat(flags & CertificateBodies.MASK).as(kind).isEqualTo(DerFields.SERIAL
                                | DerFields.NOT_BEFORE | DerFields.NOT_AFTER | DerFields.KEY_IDENTIFIER);
                        assertThat(flags & CertificateBodies.KEY_FORM).as(kind).isIn(agentKey.ec()
                                ? List.of(CertificateBodies.KEY_EVEN_Y, CertificateBodies.KEY_ODD_Y)
                                : List.of(CertificateBodies.KEY_RAW));
                        assertThat(flags & CertificateBodies.ECDSA).as(kind).isEqualTo(ecdsa ? CertificateBodies.ECDSA : 0);
                        assertThat(flags & CertificateBodies.TEMPLATE).as(kind).isEqualTo(CertificateBodies.TEMPLATE);
                        if (caKey == KeyType.EC_P256 && agentKey.name().equals("EC P-256")
                                || caKey == KeyType.ED25519 && agentKey.name().equals("Ed25519")) {
                            assertThat(body).as(kind).hasSize(1 + 32 + 64); // the key part and the signature part
                        }
                    }
                    for (AgentCertificate c : issued) {
                        assertThat(store.findCertificate(c.serial())).as(kind).contains(c);
                    }
                }
            }
        }
    }

    private static KeyPair generate(String algorithm, String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (curve != null) {
                generator.initialize(new ECGenParameterSpec(curve));
            }
            return generator.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }
}
