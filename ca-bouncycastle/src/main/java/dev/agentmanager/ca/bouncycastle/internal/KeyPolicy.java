package dev.agentmanager.ca.bouncycastle.internal;

import dev.agentmanager.ca.bouncycastle.AgentKeyAlgorithm;
import dev.agentmanager.exception.InvalidCertificateRequestException;
import java.io.IOException;
import java.math.BigInteger;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Null;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAPublicKey;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.jspecify.annotations.Nullable;

/**
 * Which public keys are acceptable: the algorithm must be in the allowed set, elliptic curves must be named
 * (never explicit parameters), RSA moduli must lie between the minimum and {@link #MAX_RSA_BITS}.
 */
public final class KeyPolicy {

    /** Upper bound on RSA moduli, so that a request cannot make verification arbitrarily expensive. */
    public static final int MAX_RSA_BITS = 8192;

    private static final Map<ASN1ObjectIdentifier, AgentKeyAlgorithm> CURVES = Map.of(
            SECObjectIdentifiers.secp256r1, AgentKeyAlgorithm.EC_P256,
            SECObjectIdentifiers.secp384r1, AgentKeyAlgorithm.EC_P384,
            SECObjectIdentifiers.secp521r1, AgentKeyAlgorithm.EC_P521);

    /** What a key is: its algorithm and the label the library prints ({@code EC P-256}, {@code RSA 3072}). */
    public record KeyDescription(AgentKeyAlgorithm algorithm, String label, int rsaBits) {}

    private final Set<AgentKeyAlgorithm> allowed;
    private final int minRsaBits;

    public KeyPolicy(Set<AgentKeyAlgorithm> allowed, int minRsaBits) {
        this.allowed = Set.copyOf(EnumSet.copyOf(allowed));
        this.minRsaBits = minRsaBits;
    }

    /**
     * The key's description if the policy accepts it.
     *
     * @throws InvalidCertificateRequestException naming the reason otherwise
     */
    public KeyDescription check(SubjectPublicKeyInfo key) {
        KeyDescription description;
        try {
            description = describe(key);
        } catch (IllegalArgumentException e) {
            throw new InvalidCertificateRequestException(String.valueOf(e.getMessage()), e);
        }
        if (!allowed.contains(description.algorithm())) {
            throw new InvalidCertificateRequestException(
                    description.label() + " keys are not allowed (allowed: " + EnumSet.copyOf(allowed) + ")");
        }
        if (description.algorithm() == AgentKeyAlgorithm.RSA && description.rsaBits() < minRsaBits) {
            throw new InvalidCertificateRequestException("RSA key of " + description.rsaBits()
                    + " bits is too small (at least " + minRsaBits + " bits required)");
        }
        return description;
    }

    /**
     * Identifies a key, or refuses it when it is of no supported kind: unknown algorithm, explicit or
     * unknown curve, malformed RSA key, RSA modulus above {@link #MAX_RSA_BITS}.
     *
     * @throws IllegalArgumentException naming the reason
     */
    public static KeyDescription describe(SubjectPublicKeyInfo key) {
        ASN1ObjectIdentifier algorithm = key.getAlgorithm().getAlgorithm();
        @Nullable ASN1Encodable parameters = key.getAlgorithm().getParameters();
        if (X9ObjectIdentifiers.id_ecPublicKey.equals(algorithm)) {
            if (parameters == null || !(parameters.toASN1Primitive() instanceof ASN1ObjectIdentifier curve)) {
                throw new IllegalArgumentException(
                        "EC key must name its curve: explicit or implicit curve parameters are refused");
            }
            AgentKeyAlgorithm known = CURVES.get(curve);
            if (known == null) {
                String name = ECNamedCurveTable.getName(curve);
                throw new IllegalArgumentException("EC curve "
                        + (name != null ? name + " (" + curve.getId() + ")" : curve.getId()) + " is not allowed");
            }
            return new KeyDescription(
                    known,
                    switch (known) {
                        case EC_P256 -> "EC P-256";
                        case EC_P384 -> "EC P-384";
                        default -> "EC P-521";
                    },
                    0);
        }
        if (EdECObjectIdentifiers.id_Ed25519.equals(algorithm) || EdECObjectIdentifiers.id_Ed448.equals(algorithm)) {
            if (parameters != null) {
                throw new IllegalArgumentException("EdDSA key must not carry algorithm parameters");
            }
            return EdECObjectIdentifiers.id_Ed25519.equals(algorithm)
                    ? new KeyDescription(AgentKeyAlgorithm.ED25519, "Ed25519", 0)
                    : new KeyDescription(AgentKeyAlgorithm.ED448, "Ed448", 0);
        }
        if (PKCSObjectIdentifiers.rsaEncryption.equals(algorithm)) {
            if (parameters != null && !(parameters.toASN1Primitive() instanceof ASN1Null)) {
                throw new IllegalArgumentException("RSA key must have NULL algorithm parameters");
            }
            RSAPublicKey rsa;
            try {
                ASN1Primitive parsed = key.parsePublicKey();
                rsa = RSAPublicKey.getInstance(parsed);
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("RSA public key is malformed", e);
            }
            BigInteger modulus = rsa.getModulus();
            BigInteger exponent = rsa.getPublicExponent();
            int bits = modulus.bitLength();
            if (modulus.signum() <= 0 || !modulus.testBit(0)) {
                throw new IllegalArgumentException("RSA modulus is not a positive odd number");
            }
            if (bits > MAX_RSA_BITS) {
                throw new IllegalArgumentException(
                        "RSA key of " + bits + " bits is too large (at most " + MAX_RSA_BITS + ")");
            }
            if (exponent.compareTo(BigInteger.valueOf(3)) < 0 || !exponent.testBit(0) || exponent.bitLength() > 256) {
                throw new IllegalArgumentException("RSA public exponent must be odd, at least 3 and at most 256 bits");
            }
            return new KeyDescription(AgentKeyAlgorithm.RSA, "RSA " + bits, bits);
        }
        throw new IllegalArgumentException("key algorithm " + algorithm.getId() + " is not supported");
    }
}
