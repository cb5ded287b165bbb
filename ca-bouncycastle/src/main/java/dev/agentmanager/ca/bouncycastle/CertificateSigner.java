package dev.agentmanager.ca.bouncycastle;

import dev.agentmanager.ca.bouncycastle.internal.CaMaterial;
import dev.agentmanager.ca.bouncycastle.internal.KeyPolicy;
import dev.agentmanager.ca.bouncycastle.internal.Serials;
import dev.agentmanager.exception.CertificateIssuanceException;
import java.io.IOException;
import java.math.BigInteger;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateExpiredException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;

/**
 * Signs certificates with the CA's key: agent client certificates (identity from the agent id only) and server
 * certificates for hosts' TLS endpoints. Validity starts back-dated by the clock-skew allowance and never
 * extends beyond the CA's own.
 */
final class CertificateSigner {
    /** A certificate's validity. */
    record Validity(Instant notBefore, Instant notAfter) {}

    /** A signed agent certificate. */
    record Signed(String serialHex, byte[] der, Validity validity) {}

    private final CaMaterial ca;
    private final Duration clockSkewAllowance;
    private final SecureRandom random;

    CertificateSigner(CaMaterial ca, Duration clockSkewAllowance, SecureRandom random) {
        this.ca = ca;
        this.clockSkewAllowance = clockSkewAllowance;
        this.random = random;
    }

    /** A client certificate for {@code agentId}: CN and URI SAN from the server's decision, nothing from the CSR. */
    Signed signAgent(String agentId, String uri, SubjectPublicKeyInfo key, Instant now, Duration lifetime) {
        Validity validity = validity(now, lifetime);
        BigInteger serial = Serials.next(random);
        String serialHex = serial.toString(16);
        byte[] der;
        try {
            X509v3CertificateBuilder builder = new X509v3CertificateBuilder(
                    ca.subject(),
                    serial,
                    Date.from(validity.notBefore()),
                    Date.from(validity.notAfter()),
                    agentSubject(agentId),
                    key);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(
                    Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            builder.addExtension(
                    Extension.subjectAlternativeName,
                    false,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
            builder.addExtension(
                    Extension.subjectKeyIdentifier, false, new SubjectKeyIdentifier(CaMaterial.keyIdentifier(key)));
            builder.addExtension(Extension.authorityKeyIdentifier, false, ca.authorityKeyIdentifier());
            der = builder.build(ca.signer()).getEncoded();
        } catch (IOException | OperatorCreationException | RuntimeException e) {
            throw new CertificateIssuanceException("cannot sign a certificate for agent " + agentId, e);
        }
        return new Signed(serialHex, der, validity);
    }

    /** A server certificate for these subject alternative names, {@code commonName} its subject. */
    X509Certificate signServer(
            PublicKey publicKey, List<GeneralName> names, String commonName, Instant now, Duration lifetime) {
        SubjectPublicKeyInfo key = SubjectPublicKeyInfo.getInstance(publicKey.getEncoded());
        KeyPolicy.KeyDescription description = KeyPolicy.describe(key);
        Validity validity = validity(now, lifetime);
        int usage = KeyUsage.digitalSignature
                | (description.algorithm() == AgentKeyAlgorithm.RSA ? KeyUsage.keyEncipherment : 0);
        try {
            X509v3CertificateBuilder builder = new X509v3CertificateBuilder(
                    ca.subject(),
                    Serials.next(random),
                    Date.from(validity.notBefore()),
                    Date.from(validity.notAfter()),
                    new X500NameBuilder(BCStyle.INSTANCE)
                            .addRDN(BCStyle.CN, commonName)
                            .build(),
                    key);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
            builder.addExtension(
                    Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(
                    Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            builder.addExtension(
                    Extension.subjectKeyIdentifier, false, new SubjectKeyIdentifier(CaMaterial.keyIdentifier(key)));
            builder.addExtension(Extension.authorityKeyIdentifier, false, ca.authorityKeyIdentifier());
            return Pem.certificate(builder.build(ca.signer()).getEncoded());
        } catch (IOException | OperatorCreationException e) {
            throw new CertificateIssuanceException("cannot sign the server certificate", e);
        }
    }

    private Validity validity(Instant now, Duration lifetime) {
        if (!now.isBefore(ca.notAfter())) {
            throw new CertificateIssuanceException(
                    "the CA certificate expired at " + ca.notAfter(),
                    new CertificateExpiredException("CA notAfter " + ca.notAfter()));
        }
        Instant notBefore = max(now.minus(clockSkewAllowance), ca.notBefore());
        Instant notAfter = min(now.plus(lifetime), ca.notAfter());
        if (!notAfter.isAfter(notBefore)) {
            throw new CertificateIssuanceException(
                    "the CA certificate is not valid yet (notBefore " + ca.notBefore() + ")",
                    new CertificateExpiredException("CA notBefore " + ca.notBefore()));
        }
        return new Validity(notBefore, notAfter);
    }

    private static X500Name agentSubject(String agentId) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, agentId).build();
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
