package dev.agentmanager.examples;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.agentmanager.ca.bouncycastle.Pem;
import dev.agentmanager.ca.bouncycastle.client.AgentKeys;
import dev.agentmanager.ca.bouncycastle.client.AgentTls;
import dev.agentmanager.examples.demo.Api;
import dev.agentmanager.examples.demo.JsonHttp;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.jspecify.annotations.Nullable;

/**
 * The agent's side: register once with a one-time token, keep the key and certificate in files, heartbeat
 * over mutual TLS, renew the certificate when the server says so.
 *
 * <pre>{@code
 * AgentClient agent = AgentClient.register(enrollmentUrl, token, trustPin, "web-01",
 *         List.of(new CapabilityView("docker", "24.0")), Path.of("/var/lib/agent"));
 * // ... or, after a restart: AgentClient agent = AgentClient.load(Path.of("/var/lib/agent"));
 * while (running) {
 *     AgentClient.Beat beat = agent.heartbeat();             // renews first if the reply says so
 *     Thread.sleep(beat.reply().nextHeartbeatInMillis());
 * }
 * }</pre>
 *
 * Files in the agent's directory: {@code agent.json} (id, endpoint, current serial), {@code <serial>.key.pem}
 * (owner-only) and {@code <serial>.cert.pem}, and {@code ca-bundle.pem}. A renewal writes the new key and
 * certificate under the new serial and then replaces {@code agent.json}: a crash at any point leaves a
 * matching key and certificate. Talks the demo orchestrator's {@link Api}.
 */
public final class AgentClient {
    /** The software version the agent reports. */
    public static final String VERSION = "1.0.0";

    private static final String STATE = "agent.json";
    private static final String BUNDLE = "ca-bundle.pem";

    /** What {@code agent.json} holds. */
    record State(String agentId, String agentUrl, String serial) {}

    /** One heartbeat's outcome: the server's reply, and whether the agent renewed its certificate after it. */
    public record Beat(Api.HeartbeatReply reply, boolean renewed) {}

    private final Path directory;
    private final String agentId;
    private volatile URI agentUrl;
    private final long bootEpoch = System.currentTimeMillis(); // new on every start: the server sees restarts
    private final AtomicLong sequence = new AtomicLong();
    private volatile String serial;
    private volatile HttpClient http;

    private AgentClient(Path directory, State state) throws IOException {
        this.directory = directory;
        this.agentId = state.agentId();
        this.agentUrl = URI.create(state.agentUrl());
        this.serial = state.serial();
        this.http = mutualTls(directory, state.serial());
    }

    /**
     * First contact: checks the server against {@code trustPin} (SHA-256 of the CA root, handed over with the
     * token), generates a key, registers with the token and a CSR, and saves key, certificate and CA bundle.
     *
     * @throws JsonHttp.Refused if the server refused, e.g. {@code 401} for a used, expired or unknown token
     */
    public static AgentClient register(
            URI enrollmentUrl,
            String token,
            String trustPin,
            String name,
            List<Api.CapabilityView> capabilities,
            Path directory)
            throws IOException {
        KeyPair keys = AgentKeys.generate(); // the private key never leaves the agent
        HttpClient firstContact = JsonHttp.client(pinnedTls(trustPin));
        Api.Registered registered = JsonHttp.post(
                firstContact,
                enrollmentUrl.resolve("/v1/register"),
                null,
                new Api.RegisterRequest(token, AgentKeys.csrPem(keys, name), name, capabilities, Map.of(), VERSION),
                Api.Registered.class);
        AgentTls.verifyPin(registered.trustBundlePem(), trustPin); // trust from now on only the pinned CA

        Files.createDirectories(directory);
        write(directory.resolve(BUNDLE), registered.trustBundlePem());
        String serial = Pem.readCertificate(registered.certificatePem())
                .getSerialNumber()
                .toString(16);
        saveIdentity(directory, serial, keys.getPrivate(), registered.certificatePem());
        State state = new State(registered.agentId(), registered.agentUrl(), serial);
        write(directory.resolve(STATE), Api.JSON.writeValueAsString(state));
        return new AgentClient(directory, state);
    }

    /** An agent that registered earlier, starting again from its files (with a new boot epoch). */
    public static AgentClient load(Path directory) throws IOException {
        return new AgentClient(
                directory, Api.JSON.readValue(directory.resolve(STATE).toFile(), State.class));
    }

    public String agentId() {
        return agentId;
    }

    /**
     * Sends heartbeats and renewals to another replica's agent endpoint from now on (and after a restart): any
     * replica serves any agent, since they share the store and the CA.
     */
    public void talkTo(URI agentEndpoint) throws IOException {
        agentUrl = agentEndpoint;
        write(
                directory.resolve(STATE),
                Api.JSON.writeValueAsString(new State(agentId, agentEndpoint.toString(), serial)));
    }

    /** The agent endpoint it talks to. */
    public URI agentUrl() {
        return agentUrl;
    }

    /** Serial of the certificate the agent presents now. */
    public String certificateSerial() {
        return serial;
    }

    /**
     * Sends the next heartbeat over mutual TLS; if the reply says so, renews the certificate right after.
     *
     * @throws JsonHttp.Refused if the server refused it (e.g. {@code 403} once revoked)
     * @throws javax.net.ssl.SSLException if the TLS handshake was refused (revoked or unknown certificate)
     */
    public Beat heartbeat() throws IOException {
        return heartbeat(List.of());
    }

    /** A heartbeat that names the task attempts the agent works on; the reply says which of them to stop. */
    public Beat heartbeat(List<Api.HeldTask> heldTasks) throws IOException {
        Api.HeartbeatReply reply = JsonHttp.post(
                http,
                agentUrl.resolve("/v1/heartbeat"),
                null,
                new Api.HeartbeatRequest(
                        agentId,
                        bootEpoch,
                        sequence.incrementAndGet(),
                        Instant.now().toString(),
                        "HEALTHY",
                        heldTasks),
                Api.HeartbeatReply.class);
        if (reply.renewCertificate()) {
            renew();
            return new Beat(reply, true);
        }
        return new Beat(reply, false);
    }

    /** Claims up to {@code max} tasks, over mutual TLS. */
    public List<Api.Assigned> claim(int max) throws IOException {
        return List.of(JsonHttp.post(
                http,
                agentUrl.resolve("/v1/tasks/claim"),
                null,
                new Api.ClaimRequest(agentId, max),
                Api.Assigned[].class));
    }

    /**
     * Reports on a task attempt: {@code kind} is started, progress, succeeded, failed or cancelled.
     *
     * @throws JsonHttp.Refused with status 409 if the attempt is no longer this agent's (fenced)
     */
    public Api.ReportReply report(
            Api.HeldTask attempt, String kind, @Nullable Integer percent, @Nullable String message) throws IOException {
        return JsonHttp.post(
                http,
                agentUrl.resolve("/v1/tasks/report"),
                null,
                new Api.ReportRequest(agentId, attempt.taskId(), attempt.attempt(), kind, percent, message),
                Api.ReportReply.class);
    }

    /**
     * Renews the certificate with a new key, authenticated by the current certificate. The next heartbeat
     * presents the new one, and from then on the old one is refused.
     */
    public void renew() throws IOException {
        KeyPair keys = AgentKeys.generate();
        Api.Renewed renewed = JsonHttp.post(
                http,
                agentUrl.resolve("/v1/renew"),
                null,
                new Api.RenewRequest(agentId, AgentKeys.csrPem(keys, "renewal")),
                Api.Renewed.class);
        String previous = serial;
        saveIdentity(directory, renewed.serial(), keys.getPrivate(), renewed.certificatePem());
        write(
                directory.resolve(STATE),
                Api.JSON.writeValueAsString(new State(agentId, agentUrl.toString(), renewed.serial())));
        http = mutualTls(directory, renewed.serial());
        serial = renewed.serial();
        Files.deleteIfExists(directory.resolve(previous + ".key.pem"));
        Files.deleteIfExists(directory.resolve(previous + ".cert.pem"));
    }

    // ---- TLS and files -------------------------------------------------------------------------------------

    private static HttpClient mutualTls(Path directory, String serial) throws IOException {
        PrivateKey key = Pem.readPrivateKey(Files.readString(directory.resolve(serial + ".key.pem"), US_ASCII));
        String certificate = Files.readString(directory.resolve(serial + ".cert.pem"), US_ASCII);
        String bundle = Files.readString(directory.resolve(BUNDLE), US_ASCII);
        return JsonHttp.client(AgentTls.sslContext(key, certificate, bundle));
    }

    /** Trusts the server only if its chain leads to a root whose SHA-256 is {@code trustPin}. */
    private static SSLContext pinnedTls(String trustPin) throws IOException {
        X509TrustManager pinned = new X509TrustManager() {
            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                X509Certificate root = chain[chain.length - 1];
                try {
                    AgentTls.verifyPin(Pem.write(root), trustPin);
                } catch (IllegalArgumentException e) {
                    throw new CertificateException(e.getMessage(), e);
                }
                trusting(root).checkServerTrusted(chain, authType); // the chain must really lead to it
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("an agent trusts no clients");
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, new TrustManager[] {pinned}, null);
            return tls;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS", e);
        }
    }

    private static X509TrustManager trusting(X509Certificate root) throws CertificateException {
        try {
            KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            anchors.setCertificateEntry("root", root);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(anchors);
            return (X509TrustManager) factory.getTrustManagers()[0];
        } catch (GeneralSecurityException | IOException e) {
            throw new CertificateException("cannot build a trust manager", e);
        }
    }

    private static void saveIdentity(Path directory, String serial, PrivateKey key, String certificatePem)
            throws IOException {
        Path keyFile = directory.resolve(serial + ".key.pem");
        Files.deleteIfExists(keyFile);
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(
                    keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(keyFile, Pem.write(key), US_ASCII);
        write(directory.resolve(serial + ".cert.pem"), certificatePem);
    }

    /** Replaces a file atomically: readers see the old content or the new, never a part. */
    private static void write(Path file, String content) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, content, US_ASCII);
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
