package dev.agentmanager.ca.bouncycastle.internal;

import dev.agentmanager.ca.bouncycastle.AgentKeyAlgorithm;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.ContentVerifier;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;

/**
 * The authority's signing material, checked: the issuing certificate (a CA that may sign certificates and
 * CRLs), its chain up to the root, and the matching private key as the chosen provider represents it.
 *
 * @param chain issuing CA first, root last (JDK certificate objects)
 * @param privateKey the issuing CA's key, re-created by {@code provider}
 * @param provider the provider that signs
 * @param signatureAlgorithm JCA name of the signature the key makes, e.g. {@code SHA256withECDSA}
 * @param subject the issuing CA's subject, exactly as encoded in its certificate
 * @param authorityKeyIdentifier what issued certificates and CRLs carry as AKI
 * @param notBefore latest notBefore in the chain
 * @param notAfter earliest notAfter in the chain: nothing issued may outlive it
 * @param keyLabel e.g. {@code EC P-256}
 */
public record CaMaterial(
        List<X509Certificate> chain,
        PrivateKey privateKey,
        Provider provider,
        String signatureAlgorithm,
        X500Name subject,
        AuthorityKeyIdentifier authorityKeyIdentifier,
        Instant notBefore,
        Instant notAfter,
        String keyLabel) {

    public CaMaterial {
        chain = List.copyOf(chain);
    }

    public X509Certificate issuingCertificate() {
        return chain.get(0);
    }

    public X509Certificate root() {
        return chain.get(chain.size() - 1);
    }

    /** A fresh signer (signers are not thread-safe; creating one is cheap). */
    public ContentSigner signer() throws OperatorCreationException {
        return new JcaContentSignerBuilder(signatureAlgorithm)
                .setProvider(provider)
                .build(privateKey);
    }

    /**
     * Checks and adopts existing material.
     *
     * @throws IllegalArgumentException if the chain is empty or broken, the first certificate is not a CA
     *     that may sign certificates and CRLs, or the key does not belong to it
     */
    public static CaMaterial of(List<X509Certificate> chain, PrivateKey key, Provider provider) {
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("CA certificate chain is empty");
        }
        X509Certificate issuing = chain.get(0);
        if (issuing.getBasicConstraints() < 0) {
            throw new IllegalArgumentException("'" + issuing.getSubjectX500Principal()
                    + "' is not a CA certificate (basicConstraints CA:true missing)");
        }
        boolean[] keyUsage = issuing.getKeyUsage();
        if (keyUsage != null && (keyUsage.length < 7 || !keyUsage[5] || !keyUsage[6])) {
            throw new IllegalArgumentException("CA certificate's keyUsage must include keyCertSign and cRLSign");
        }
        for (int i = 0; i + 1 < chain.size(); i++) {
            X509Certificate child = chain.get(i);
            X509Certificate parent = chain.get(i + 1);
            if (!child.getIssuerX500Principal().equals(parent.getSubjectX500Principal())) {
                throw new IllegalArgumentException(
                        "CA chain is out of order: '" + child.getSubjectX500Principal() + "' is not issued by '"
                                + parent.getSubjectX500Principal() + "' (issuing CA first, root last)");
            }
            try {
                child.verify(parent.getPublicKey());
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException(
                        "CA chain is broken: '" + child.getSubjectX500Principal()
                                + "' does not verify with its issuer's key",
                        e);
            }
        }
        try {
            X509CertificateHolder holder = new X509CertificateHolder(issuing.getEncoded());
            SubjectPublicKeyInfo publicKey = holder.getSubjectPublicKeyInfo();
            KeyPolicy.KeyDescription description = KeyPolicy.describe(publicKey);
            if (description.algorithm() == AgentKeyAlgorithm.RSA && description.rsaBits() < 2048) {
                throw new IllegalArgumentException("CA RSA key of " + description.rsaBits() + " bits is too small");
            }
            String signatureAlgorithm = SignatureAlgorithms.forKey(publicKey);
            PrivateKey providerKey = providerKey(key, provider);
            requireMatchingKey(providerKey, publicKey, signatureAlgorithm, provider);
            SubjectKeyIdentifier ski = SubjectKeyIdentifier.fromExtensions(holder.getExtensions());
            byte[] keyId = ski != null ? ski.getKeyIdentifier() : keyIdentifier(publicKey);
            Instant notBefore = chain.stream()
                    .map(c -> c.getNotBefore().toInstant())
                    .max(Instant::compareTo)
                    .orElseThrow();
            Instant notAfter = chain.stream()
                    .map(c -> c.getNotAfter().toInstant())
                    .min(Instant::compareTo)
                    .orElseThrow();
            return new CaMaterial(
                    chain,
                    providerKey,
                    provider,
                    signatureAlgorithm,
                    holder.getSubject(),
                    new AuthorityKeyIdentifier(keyId),
                    notBefore,
                    notAfter,
                    description.label());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the CA certificate", e);
        }
    }

    /**
     * Generates a self-signed root: basicConstraints CA:true with path length 0 (critical), keyUsage
     * keyCertSign and cRLSign (critical), a subject key identifier, a random 127-bit serial.
     */
    public static CaMaterial generate(
            KeyPair keyPair,
            String subjectDn,
            Instant now,
            Duration backdate,
            Duration validity,
            Provider provider,
            SecureRandom random) {
        X500Name subject;
        try {
            subject = X500Name.getInstance(new X500Principal(subjectDn).getEncoded());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("CA subject is not a valid X.500 name: " + subjectDn, e);
        }
        try {
            SubjectPublicKeyInfo publicKey =
                    SubjectPublicKeyInfo.getInstance(keyPair.getPublic().getEncoded());
            String signatureAlgorithm = SignatureAlgorithms.forKey(publicKey);
            PrivateKey providerKey = providerKey(keyPair.getPrivate(), provider);
            Instant start = now.truncatedTo(ChronoUnit.SECONDS).minus(backdate);
            Instant end = now.truncatedTo(ChronoUnit.SECONDS).plus(validity);
            X509v3CertificateBuilder builder = new X509v3CertificateBuilder(
                    subject, Serials.next(random), Date.from(start), Date.from(end), subject, publicKey);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(
                    Extension.subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyIdentifier(publicKey)));
            ContentSigner signer = new JcaContentSignerBuilder(signatureAlgorithm)
                    .setProvider(provider)
                    .build(providerKey);
            byte[] der = builder.build(signer).getEncoded();
            X509Certificate certificate = (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
            return of(List.of(certificate), providerKey, provider);
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot generate the CA certificate", e);
        }
    }

    /** RFC 5280 section 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
    public static byte[] keyIdentifier(SubjectPublicKeyInfo publicKey) {
        return Digests.sha1(publicKey.getPublicKeyData().getBytes());
    }

    private static PrivateKey providerKey(PrivateKey key, Provider provider) {
        try {
            return JdkKeys.privateKey(key, provider);
        } catch (IllegalArgumentException e) {
            // The provider has no key factory for this algorithm: hand it the key as it is.
            return key;
        }
    }

    private static void requireMatchingKey(
            PrivateKey key, SubjectPublicKeyInfo publicKey, String signatureAlgorithm, Provider provider) {
        byte[] probe = "agentmanager CA key check".getBytes(StandardCharsets.US_ASCII);
        boolean matches;
        try {
            ContentSigner signer = new JcaContentSignerBuilder(signatureAlgorithm)
                    .setProvider(provider)
                    .build(key);
            try (OutputStream out = signer.getOutputStream()) {
                out.write(probe);
            }
            byte[] signature = signer.getSignature();
            ContentVerifier verifier = new JcaContentVerifierProviderBuilder()
                    .setProvider(provider)
                    .build(JdkKeys.publicKey(publicKey, provider))
                    .get(signer.getAlgorithmIdentifier());
            try (OutputStream out = verifier.getOutputStream()) {
                out.write(probe);
            }
            matches = verifier.verify(signature);
        } catch (IOException | OperatorCreationException | RuntimeException e) {
            throw new IllegalArgumentException(
                    "the CA private key cannot sign with " + signatureAlgorithm
                            + " (does it belong to the CA certificate?)",
                    e);
        }
        if (!matches) {
            throw new IllegalArgumentException("the CA private key does not belong to the CA certificate");
        }
    }
}
