package dev.agentmanager.ca.bouncycastle;

import dev.agentmanager.ca.bouncycastle.client.AgentKeys;
import dev.agentmanager.ca.bouncycastle.internal.Bc;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertStore;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;

/** Test-only PKI plumbing: requests built by hand (including hostile ones) and JDK PKIX validation. */
final class TestPki {
    private TestPki() {}

    static final KeyPair P256 = AgentKeys.generate();

    /** An agent's PEM request, as a real agent would send it. */
    static byte[] csrPem(KeyPair keys) {
        return AgentKeys.csrPem(keys, "agent-host").getBytes(StandardCharsets.US_ASCII);
    }

    /** A request for {@code subjectKey}'s public key, signed with {@code signingKey} by {@code algorithm} (BC). */
    static byte[] csr(
            SubjectPublicKeyInfo subjectKey,
            PrivateKey signingKey,
            String algorithm,
            String subject,
            Extensions requestedExtensions)
            throws Exception {
        PKCS10CertificationRequestBuilder builder =
                new PKCS10CertificationRequestBuilder(new X500Name(subject), subjectKey);
        if (requestedExtensions != null) {
            builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, requestedExtensions);
        }
        ContentSigner signer = new JcaContentSignerBuilder(algorithm)
                .setProvider(Bc.provider())
                .build(signingKey);
        return builder.build(signer).getEncoded();
    }

    static byte[] csr(KeyPair keys, String algorithm) throws Exception {
        return csr(spki(keys), keys.getPrivate(), algorithm, "CN=agent", null);
    }

    static SubjectPublicKeyInfo spki(KeyPair keys) {
        return SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded());
    }

    static X509Certificate certificate(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    /**
     * Validates {@code leaf} with the JDK's PKIX CertPathValidator against the root at {@code at}; with a CRL
     * revocation checking is on and uses only that CRL.
     */
    static PKIXCertPathValidatorResult validate(
            X509Certificate leaf, List<X509Certificate> caChain, Instant at, X509CRL crl) throws Exception {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        List<X509Certificate> path = new java.util.ArrayList<>();
        path.add(leaf);
        path.addAll(caChain.subList(0, caChain.size() - 1));
        CertPath certPath = factory.generateCertPath(path);
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(caChain.get(caChain.size() - 1), null)));
        parameters.setDate(Date.from(at));
        CertPathValidator validator = CertPathValidator.getInstance("PKIX");
        parameters.setRevocationEnabled(false);
        if (crl != null) {
            // Only the leaf: the agent CA publishes no CRL for an intermediate above it.
            PKIXRevocationChecker revocation = (PKIXRevocationChecker) validator.getRevocationChecker();
            revocation.setOptions(EnumSet.of(
                    PKIXRevocationChecker.Option.ONLY_END_ENTITY,
                    PKIXRevocationChecker.Option.PREFER_CRLS,
                    PKIXRevocationChecker.Option.NO_FALLBACK));
            parameters.addCertPathChecker(revocation);
            parameters.addCertStore(
                    CertStore.getInstance("Collection", new CollectionCertStoreParameters(List.of(crl))));
        }
        return (PKIXCertPathValidatorResult) validator.validate(certPath, parameters);
    }

    /** A CA certificate for {@code subjectKeys}, signed by {@code issuerKey} (self-signed when issuer is null). */
    static X509Certificate caCertificate(
            KeyPair subjectKeys,
            String subject,
            PrivateKey issuerKey,
            X509Certificate issuer,
            Instant notBefore,
            Instant notAfter)
            throws Exception {
        X500Name subjectName = new X500Name(subject);
        X500Name issuerName = issuer == null
                ? subjectName
                : X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded());
        var builder = new org.bouncycastle.cert.X509v3CertificateBuilder(
                issuerName,
                new java.math.BigInteger(64, new java.security.SecureRandom()).setBit(63),
                Date.from(notBefore),
                Date.from(notAfter),
                subjectName,
                spki(subjectKeys));
        builder.addExtension(
                org.bouncycastle.asn1.x509.Extension.basicConstraints,
                true,
                new org.bouncycastle.asn1.x509.BasicConstraints(true));
        builder.addExtension(
                org.bouncycastle.asn1.x509.Extension.keyUsage,
                true,
                new org.bouncycastle.asn1.x509.KeyUsage(
                        org.bouncycastle.asn1.x509.KeyUsage.keyCertSign | org.bouncycastle.asn1.x509.KeyUsage.cRLSign));
        PrivateKey signingKey = issuerKey == null ? subjectKeys.getPrivate() : issuerKey;
        String algorithm = dev.agentmanager.ca.bouncycastle.internal.SignatureAlgorithms.forKey(
                issuer == null
                        ? spki(subjectKeys)
                        : SubjectPublicKeyInfo.getInstance(issuer.getPublicKey().getEncoded()));
        ContentSigner signer = new JcaContentSignerBuilder(algorithm)
                .setProvider(Bc.provider())
                .build(signingKey);
        byte[] der = builder.build(signer).getEncoded();
        return (X509Certificate)
                CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }
}
