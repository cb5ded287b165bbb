package dev.agentmanager.ca.bouncycastle.internal;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.jspecify.annotations.Nullable;

/** Keys re-created by a chosen provider from their standard encodings. */
public final class JdkKeys {
    private JdkKeys() {}

    /**
     * The key as the JDK's own providers ({@code provider == null}) or the given provider represent it.
     *
     * @throws IllegalArgumentException if the key is of no supported kind or cannot be encoded
     */
    public static PrivateKey privateKey(PrivateKeyInfo info, @Nullable Provider provider) {
        String algorithm = keyFactoryAlgorithm(info.getPrivateKeyAlgorithm().getAlgorithm());
        try {
            PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(info.getEncoded());
            KeyFactory factory =
                    provider == null ? KeyFactory.getInstance(algorithm) : KeyFactory.getInstance(algorithm, provider);
            return factory.generatePrivate(spec);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read " + algorithm + " private key", e);
        }
    }

    /** {@link #privateKey(PrivateKeyInfo, Provider)} for a key object from any provider. */
    public static PrivateKey privateKey(PrivateKey key, @Nullable Provider provider) {
        byte[] encoded = key.getEncoded();
        if (encoded == null || !"PKCS#8".equalsIgnoreCase(key.getFormat())) {
            throw new IllegalArgumentException(
                    "private key cannot be exported as PKCS#8 (hardware keys are not supported)");
        }
        return privateKey(PrivateKeyInfo.getInstance(encoded), provider);
    }

    /**
     * The public key as {@code provider} represents it. (BouncyCastle's operator builders look key factories
     * up by OID, which the JDK's providers do not register; by name every provider answers.)
     *
     * @throws IllegalArgumentException if the key is of no supported kind or malformed
     */
    public static PublicKey publicKey(SubjectPublicKeyInfo info, Provider provider) {
        String algorithm = keyFactoryAlgorithm(info.getAlgorithm().getAlgorithm());
        try {
            return KeyFactory.getInstance(algorithm, provider)
                    .generatePublic(new X509EncodedKeySpec(info.getEncoded()));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("malformed " + algorithm + " public key", e);
        }
    }

    private static String keyFactoryAlgorithm(ASN1ObjectIdentifier oid) {
        if (X9ObjectIdentifiers.id_ecPublicKey.equals(oid)) {
            return "EC";
        }
        if (PKCSObjectIdentifiers.rsaEncryption.equals(oid)) {
            return "RSA";
        }
        if (EdECObjectIdentifiers.id_Ed25519.equals(oid)) {
            return "Ed25519";
        }
        if (EdECObjectIdentifiers.id_Ed448.equals(oid)) {
            return "Ed448";
        }
        throw new IllegalArgumentException("private key algorithm " + oid.getId() + " is not supported");
    }
}
