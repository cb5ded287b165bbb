package dev.agentmanager.ca.bouncycastle;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.ca.bouncycastle.internal.Bc;
import dev.agentmanager.ca.bouncycastle.internal.JdkKeys;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.jspecify.annotations.Nullable;

/**
 * Reading and writing PEM (RFC 7468): certificates, certificate chains, private keys, CRLs and requests.
 *
 * <p>Readers take every {@code -----BEGIN ...-----} block and ignore text between blocks (as OpenSSL does);
 * every block must be of the expected kind and every failure is an {@link IllegalArgumentException} naming
 * the problem. Keys and certificates
 * come back as the JDK's own objects, usable with its TLS stack.
 */
public final class Pem {
    private Pem() {}

    /** PEM label of an X.509 certificate. */
    public static final String CERTIFICATE = "CERTIFICATE";
    /** PEM label of a PKCS#10 certificate signing request. */
    public static final String CERTIFICATE_REQUEST = "CERTIFICATE REQUEST";
    /** PEM label of an unencrypted PKCS#8 private key. */
    public static final String PRIVATE_KEY = "PRIVATE KEY";
    /** PEM label of an X.509 CRL. */
    public static final String X509_CRL = "X509 CRL";

    /** One PEM block: {@code -----BEGIN type-----}, base64 in 64-character lines, {@code -----END type-----}. */
    public static String encode(String type, byte[] der) {
        requireNonNull(type, "type");
        requireNonNull(der, "der");
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    /**
     * The content of the single PEM block of this type in {@code pem}.
     *
     * @throws IllegalArgumentException if there is not exactly one block, or it is of another type
     */
    public static byte[] decode(String type, String pem) {
        List<PemObject> blocks = blocks(pem);
        if (blocks.size() != 1) {
            throw new IllegalArgumentException("expected one PEM block, found " + blocks.size());
        }
        PemObject block = blocks.get(0);
        if (!block.getType().equals(type)) {
            throw new IllegalArgumentException("expected a " + type + " PEM block, found " + block.getType());
        }
        return block.getContent();
    }

    /** The certificate in PEM. */
    public static String write(X509Certificate certificate) {
        try {
            return encode(
                    CERTIFICATE, requireNonNull(certificate, "certificate").getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be encoded", e);
        }
    }

    /** The certificates in PEM, one block after the other in the given order. */
    public static String write(List<X509Certificate> certificates) {
        StringBuilder out = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            out.append(write(certificate));
        }
        return out.toString();
    }

    /** The private key as an unencrypted PKCS#8 {@code PRIVATE KEY} block. Keep it secret. */
    public static String write(PrivateKey key) {
        requireNonNull(key, "key");
        byte[] encoded = key.getEncoded();
        if (encoded == null || !"PKCS#8".equalsIgnoreCase(key.getFormat())) {
            throw new IllegalArgumentException("private key cannot be exported as PKCS#8");
        }
        return encode(PRIVATE_KEY, encoded);
    }

    /** The CRL in PEM. */
    public static String write(X509CRL crl) {
        try {
            return encode(X509_CRL, requireNonNull(crl, "crl").getEncoded());
        } catch (java.security.cert.CRLException e) {
            throw new IllegalArgumentException("CRL cannot be encoded", e);
        }
    }

    /**
     * Every certificate in {@code pem}, in order (for a chain: leaf or issuing CA first, root last).
     *
     * @throws IllegalArgumentException if there is none, or a block is not a well-formed certificate
     */
    public static List<X509Certificate> readCertificates(String pem) {
        List<PemObject> blocks = blocks(pem);
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("no PEM certificate found");
        }
        List<X509Certificate> certificates = new ArrayList<>(blocks.size());
        for (PemObject block : blocks) {
            if (!block.getType().equals(CERTIFICATE)) {
                throw new IllegalArgumentException("expected CERTIFICATE PEM blocks, found " + block.getType());
            }
            certificates.add(certificate(block.getContent()));
        }
        return List.copyOf(certificates);
    }

    /** The one certificate in {@code pem}. */
    public static X509Certificate readCertificate(String pem) {
        List<X509Certificate> certificates = readCertificates(pem);
        if (certificates.size() != 1) {
            throw new IllegalArgumentException("expected one certificate, found " + certificates.size());
        }
        return certificates.get(0);
    }

    /**
     * An unencrypted private key: PKCS#8 ({@code PRIVATE KEY}) or OpenSSL's traditional
     * {@code EC PRIVATE KEY} / {@code RSA PRIVATE KEY}.
     */
    public static PrivateKey readPrivateKey(String pem) {
        return readKey(pem, null);
    }

    /**
     * A private key that may be encrypted ({@code ENCRYPTED PRIVATE KEY}, or a traditional key with
     * {@code Proc-Type: 4,ENCRYPTED}); unencrypted keys are read as by {@link #readPrivateKey(String)}.
     */
    public static PrivateKey readPrivateKey(String pem, char[] password) {
        return readKey(pem, requireNonNull(password, "password").clone());
    }

    /** A DER certificate parsed by the JDK. */
    static X509Certificate certificate(byte[] der) {
        try {
            return (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | RuntimeException e) {
            throw new IllegalArgumentException("not a well-formed X.509 certificate", e);
        }
    }

    private static PrivateKey readKey(String pem, char @Nullable [] password) {
        requireNonNull(pem, "pem");
        Object object;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            object = parser.readObject();
            if (object == null) {
                throw new IllegalArgumentException("no PEM private key found");
            }
            if (parser.readObject() != null) {
                throw new IllegalArgumentException("expected one PEM private key, found more blocks");
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && e.getCause() == null) {
                throw iae;
            }
            throw new IllegalArgumentException("not a well-formed PEM private key", e);
        }
        try {
            PrivateKeyInfo info;
            if (object instanceof PrivateKeyInfo plain) {
                info = plain;
            } else if (object instanceof PEMKeyPair pair) {
                info = pair.getPrivateKeyInfo();
            } else if (object instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
                if (password == null) {
                    throw new IllegalArgumentException("private key is encrypted: a password is required");
                }
                info = encrypted.decryptPrivateKeyInfo(new JceOpenSSLPKCS8DecryptorProviderBuilder()
                        .setProvider(Bc.provider())
                        .build(password));
            } else if (object instanceof PEMEncryptedKeyPair encrypted) {
                if (password == null) {
                    throw new IllegalArgumentException("private key is encrypted: a password is required");
                }
                info = encrypted
                        .decryptKeyPair(new JcePEMDecryptorProviderBuilder()
                                .setProvider(Bc.provider())
                                .build(password))
                        .getPrivateKeyInfo();
            } else {
                throw new IllegalArgumentException(
                        "PEM block is not a private key: " + object.getClass().getSimpleName());
            }
            return JdkKeys.privateKey(info, null);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot decrypt or decode the private key (wrong password?)", e);
        } finally {
            if (password != null) {
                java.util.Arrays.fill(password, '\0');
            }
        }
    }

    /** Whether {@code bytes} start (after white space) with a {@code -----BEGIN} line. */
    static boolean startsWithBlock(byte[] bytes) {
        int i = 0;
        while (i < bytes.length && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\r' || bytes[i] == '\n')) {
            i++;
        }
        byte[] begin = "-----BEGIN".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (bytes.length - i < begin.length) {
            return false;
        }
        for (int j = 0; j < begin.length; j++) {
            if (bytes[i + j] != begin[j]) {
                return false;
            }
        }
        return true;
    }

    /** Every PEM block in {@code pem}, in order. */
    static List<PemObject> blocks(String pem) {
        requireNonNull(pem, "pem");
        List<PemObject> blocks = new ArrayList<>();
        try (PemReader reader = new PemReader(new StringReader(pem))) {
            PemObject block;
            while ((block = reader.readPemObject()) != null) {
                blocks.add(block);
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not well-formed PEM", e);
        }
        if (blocks.isEmpty() && !pem.isBlank()) {
            throw new IllegalArgumentException("not PEM: no -----BEGIN line found");
        }
        return blocks;
    }
}
