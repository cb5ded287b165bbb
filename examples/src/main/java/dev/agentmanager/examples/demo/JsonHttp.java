package dev.agentmanager.examples.demo;

import dev.agentmanager.ca.bouncycastle.Pem;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;

/** JSON over HTTPS with the JDK's {@link HttpClient}: what the demo's agents and operator use. */
public final class JsonHttp {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private JsonHttp() {}

    /** The server answered with an error status. */
    public static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;
        private final int status;

        Refused(int status, String error) {
            super(status + " " + error);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /** An HTTP/1.1 client with this TLS context; host names are verified against the server certificate. */
    public static HttpClient client(SSLContext tls) {
        SSLParameters parameters = tls.getDefaultSSLParameters();
        parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(tls)
                .sslParameters(parameters)
                .connectTimeout(TIMEOUT)
                .build();
    }

    /**
     * A TLS context that trusts only the CAs in {@code bundlePem}: what an operator's client of the demo uses
     * (the agents pin their root on first contact instead).
     */
    public static SSLContext trusting(String bundlePem) throws IOException {
        try {
            KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            int i = 0;
            for (X509Certificate ca : Pem.readCertificates(bundlePem)) {
                anchors.setCertificateEntry("ca" + i++, ca);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(anchors);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, factory.getTrustManagers(), null);
            return tls;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot trust the demo CA", e);
        }
    }

    public static <T> T post(HttpClient http, URI uri, @Nullable String bearer, Object body, Class<T> type)
            throws IOException {
        return send(
                http,
                request(uri, bearer).POST(HttpRequest.BodyPublishers.ofByteArray(Api.JSON.writeValueAsBytes(body))),
                type);
    }

    public static <T> T get(HttpClient http, URI uri, @Nullable String bearer, Class<T> type) throws IOException {
        return send(http, request(uri, bearer).GET(), type);
    }

    private static HttpRequest.Builder request(URI uri, @Nullable String bearer) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Content-Type", "application/json");
        return bearer == null ? request : request.header("Authorization", "Bearer " + bearer);
    }

    private static <T> T send(HttpClient http, HttpRequest.Builder request, Class<T> type) throws IOException {
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
        if (response.statusCode() / 100 != 2) {
            String error;
            try {
                error = Api.JSON.readValue(response.body(), Api.Error.class).error();
            } catch (IOException notJson) {
                error = "(no error message)";
            }
            throw new Refused(response.statusCode(), error);
        }
        return Api.JSON.readValue(response.body(), type);
    }
}
