package dev.agentmanager.examples.demo;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
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
