package dev.agentmanager.ca.bouncycastle.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/** SSL contexts from PEM material, with the JDK's own TLS stack, key managers and keys. */
public final class TlsSupport {
    private TlsSupport() {}

    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /**
     * A TLS context presenting {@code chain} (leaf first) with {@code key}, trusting what {@code trust}
     * trusts.
     *
     * @throws IllegalArgumentException if the key does not belong to the leaf certificate
     */
    public static SSLContext sslContext(PrivateKey key, List<X509Certificate> chain, X509TrustManager trust) {
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("certificate chain is empty");
        }
        PrivateKey jdkKey = JdkKeys.privateKey(key, null);
        requireMatchingKey(jdkKey, chain.get(0));
        try {
            // The key store lives only in memory; the password only satisfies the API.
            char[] password = Base64.getEncoder().encodeToString(randomBytes()).toCharArray();
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("identity", jdkKey, password, chain.toArray(X509Certificate[]::new));
            KeyManagerFactory keys = KeyManagerFactory.getInstance("PKIX");
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), new TrustManager[] {trust}, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the TLS context", e);
        }
    }

    /** The JDK's PKIX trust manager, trusting exactly these certificates (revocation not checked). */
    public static X509TrustManager trustManager(List<X509Certificate> trusted) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (X509Certificate certificate : trusted) {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("the JDK offers no X509TrustManager");
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the trust manager", e);
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private static void requireMatchingKey(PrivateKey key, X509Certificate certificate) {
        String algorithm = SignatureAlgorithms.forKey(
                SubjectPublicKeyInfo.getInstance(certificate.getPublicKey().getEncoded()));
        byte[] probe = "agentmanager key check".getBytes(StandardCharsets.US_ASCII);
        boolean matches;
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException(
                    "the private key cannot sign for the certificate '" + certificate.getSubjectX500Principal() + "'",
                    e);
        }
        if (!matches) {
            throw new IllegalArgumentException("the private key does not belong to the certificate '"
                    + certificate.getSubjectX500Principal() + "'");
        }
    }
}
