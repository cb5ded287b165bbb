package dev.agentmanager.ca.bouncycastle;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.ca.bouncycastle.internal.Digests;
import dev.agentmanager.ca.bouncycastle.internal.JdkKeys;
import dev.agentmanager.ca.bouncycastle.internal.KeyPolicy;
import dev.agentmanager.ca.bouncycastle.internal.SignatureAlgorithms;
import dev.agentmanager.exception.InvalidCertificateRequestException;
import dev.agentmanager.model.CertificateRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.Provider;
import java.security.PublicKey;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * Decodes and checks PKCS#10 certificate signing requests (PEM or DER): size, key policy, signature algorithm and
 * the signature itself, which proves that the requester holds the private key.
 */
final class RequestDecoder {
    private final KeyPolicy keyPolicy;
    private final int maxRequestSize;
    private final Provider provider;

    RequestDecoder(KeyPolicy keyPolicy, int maxRequestSize, Provider provider) {
        this.keyPolicy = keyPolicy;
        this.maxRequestSize = maxRequestSize;
        this.provider = provider;
    }

    CertificateRequest decode(byte[] pemOrDer) {
        requireNonNull(pemOrDer, "pemOrDer");
        if (pemOrDer.length == 0) {
            throw new InvalidCertificateRequestException("request is empty");
        }
        if (pemOrDer.length > maxRequestSize) {
            throw new InvalidCertificateRequestException(
                    "request is " + pemOrDer.length + " bytes, more than the " + maxRequestSize + " allowed");
        }
        byte[] der = Pem.startsWithBlock(pemOrDer) ? pemToDer(pemOrDer) : pemOrDer;
        PKCS10CertificationRequest request = parse(der);
        SubjectPublicKeyInfo key = request.getSubjectPublicKeyInfo();
        KeyPolicy.KeyDescription description = keyPolicy.check(key);
        verifySignature(request, key);
        return new CertificateRequest(encoded(request), Digests.sha256Hex(encoded(key)), description.label());
    }

    private static byte[] pemToDer(byte[] pem) {
        List<PemObject> blocks;
        try {
            blocks = Pem.blocks(new String(pem, StandardCharsets.US_ASCII).strip());
        } catch (IllegalArgumentException e) {
            throw new InvalidCertificateRequestException("request is not well-formed PEM", e);
        }
        if (blocks.size() != 1) {
            throw new InvalidCertificateRequestException("expected one PEM block, found " + blocks.size());
        }
        PemObject block = blocks.get(0);
        if (!block.getType().equals("CERTIFICATE REQUEST") && !block.getType().equals("NEW CERTIFICATE REQUEST")) {
            throw new InvalidCertificateRequestException(
                    "expected a CERTIFICATE REQUEST PEM block, found " + block.getType());
        }
        if (block.getContent().length == 0) {
            throw new InvalidCertificateRequestException("PEM block is empty");
        }
        return block.getContent();
    }

    static PKCS10CertificationRequest parse(byte[] der) {
        try {
            return new PKCS10CertificationRequest(der);
        } catch (IOException | RuntimeException e) {
            throw new InvalidCertificateRequestException("not a PKCS#10 certificate signing request", e);
        }
    }

    private void verifySignature(PKCS10CertificationRequest request, SubjectPublicKeyInfo key) {
        ASN1ObjectIdentifier algorithm = request.getSignatureAlgorithm().getAlgorithm();
        if (!SignatureAlgorithms.isAcceptedForRequests(algorithm)) {
            throw new InvalidCertificateRequestException(
                    "signature algorithm " + algorithm.getId() + " is not accepted (MD5 and SHA-1 are refused)");
        }
        boolean valid;
        try {
            PublicKey publicKey = JdkKeys.publicKey(key, provider);
            valid = request.isSignatureValid(new JcaContentVerifierProviderBuilder()
                    .setProvider(provider)
                    .build(publicKey));
        } catch (OperatorCreationException | PKCSException | RuntimeException e) {
            throw new InvalidCertificateRequestException("signature cannot be verified with the request's key", e);
        }
        if (!valid) {
            throw new InvalidCertificateRequestException(
                    "signature does not verify: the request was not signed with the private key of its public key");
        }
    }

    private static byte[] encoded(PKCS10CertificationRequest request) {
        try {
            return request.toASN1Structure().getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new InvalidCertificateRequestException("request cannot be re-encoded", e);
        }
    }

    private static byte[] encoded(SubjectPublicKeyInfo key) {
        try {
            return key.getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new InvalidCertificateRequestException("public key cannot be re-encoded", e);
        }
    }
}
