package dev.agentmanager.ca.bouncycastle.internal;

import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/** Signature algorithms: which a request may be signed with, and which a key signs with. */
public final class SignatureAlgorithms {
    private SignatureAlgorithms() {}

    /** Request signatures accepted as proof of possession: no MD5, no SHA-1. */
    private static final Set<ASN1ObjectIdentifier> ACCEPTED = Set.of(
            X9ObjectIdentifiers.ecdsa_with_SHA256,
            X9ObjectIdentifiers.ecdsa_with_SHA384,
            X9ObjectIdentifiers.ecdsa_with_SHA512,
            EdECObjectIdentifiers.id_Ed25519,
            EdECObjectIdentifiers.id_Ed448,
            PKCSObjectIdentifiers.sha256WithRSAEncryption,
            PKCSObjectIdentifiers.sha384WithRSAEncryption,
            PKCSObjectIdentifiers.sha512WithRSAEncryption,
            PKCSObjectIdentifiers.id_RSASSA_PSS);

    public static boolean isAcceptedForRequests(ASN1ObjectIdentifier signatureAlgorithm) {
        return ACCEPTED.contains(signatureAlgorithm);
    }

    /**
     * The JCA signature algorithm a key of this kind signs with: ECDSA with the hash matching the curve,
     * pure EdDSA, SHA-256 with RSA (PKCS#1 v1.5, the most widely verifiable).
     *
     * @throws IllegalArgumentException if the key is of no supported kind
     */
    public static String forKey(SubjectPublicKeyInfo key) {
        KeyPolicy.KeyDescription description = KeyPolicy.describe(key);
        return switch (description.algorithm()) {
            case EC_P256 -> "SHA256withECDSA";
            case EC_P384 -> "SHA384withECDSA";
            case EC_P521 -> "SHA512withECDSA";
            case ED25519 -> "Ed25519";
            case ED448 -> "Ed448";
            case RSA -> "SHA256withRSA";
        };
    }
}
