package dev.agentmanager.ca.bouncycastle;

/**
 * A kind of agent key the authority may accept in a certificate signing request
 * ({@link BouncyCastleCertificateServiceBuilder#agentKeyAlgorithms}). Elliptic-curve keys must name their
 * curve; explicit curve parameters are always refused.
 */
public enum AgentKeyAlgorithm {
    /** ECDSA on NIST P-256 (secp256r1). */
    EC_P256,
    /** ECDSA on NIST P-384 (secp384r1). */
    EC_P384,
    /** ECDSA on NIST P-521 (secp521r1). */
    EC_P521,
    /** EdDSA on Curve25519. */
    ED25519,
    /** EdDSA on Curve448. */
    ED448,
    /** RSA, at least {@link BouncyCastleCertificateServiceBuilder#minimumRsaKeySize} bits. */
    RSA
}
