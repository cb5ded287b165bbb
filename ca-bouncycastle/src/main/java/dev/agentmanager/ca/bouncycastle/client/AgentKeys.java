package dev.agentmanager.ca.bouncycastle.client;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.ca.bouncycastle.KeyType;
import dev.agentmanager.ca.bouncycastle.Pem;
import dev.agentmanager.ca.bouncycastle.internal.SignatureAlgorithms;
import java.io.IOException;
import java.security.KeyPair;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * An agent's key pair and its PKCS#10 certificate signing request.
 *
 * <p>The request's subject is informational only: the authority decides the certificate's identity.
 */
public final class AgentKeys {
    private AgentKeys() {}

    /** The key an agent generates unless told otherwise: EC P-256. */
    public static final KeyType DEFAULT_KEY_TYPE = KeyType.EC_P256;

    /** A fresh EC P-256 key pair. */
    public static KeyPair generate() {
        return DEFAULT_KEY_TYPE.generateKeyPair();
    }

    /** A fresh key pair of this type. */
    public static KeyPair generate(KeyType type) {
        return requireNonNull(type, "type").generateKeyPair();
    }

    /**
     * A certificate signing request for the key pair, signed with its private key (ECDSA with the curve's
     * hash, Ed25519, or SHA-256 with RSA), DER-encoded.
     *
     * @param commonName a hint such as the host name, put in the request's subject; the issued certificate
     *     will carry the agent id instead
     */
    public static byte[] csrDer(KeyPair keyPair, String commonName) {
        requireNonNull(keyPair, "keyPair");
        requireNonNull(commonName, "commonName");
        if (commonName.isEmpty() || commonName.length() > 64) {
            throw new IllegalArgumentException("commonName must be 1-64 characters");
        }
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.CN, commonName)
                .build();
        String algorithm = SignatureAlgorithms.forKey(
                SubjectPublicKeyInfo.getInstance(keyPair.getPublic().getEncoded()));
        try {
            return new JcaPKCS10CertificationRequestBuilder(subject, keyPair.getPublic())
                    .build(new JcaContentSignerBuilder(algorithm).build(keyPair.getPrivate()))
                    .getEncoded();
        } catch (OperatorCreationException | IOException e) {
            throw new IllegalArgumentException("cannot sign a request with this key pair", e);
        }
    }

    /** {@link #csrDer(KeyPair, String)} as a PEM {@code CERTIFICATE REQUEST}. */
    public static String csrPem(KeyPair keyPair, String commonName) {
        return Pem.encode(Pem.CERTIFICATE_REQUEST, csrDer(keyPair, commonName));
    }
}
