package dev.agentmanager.testkit;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.exception.InvalidCertificateRequestException;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificateRequest;
import dev.agentmanager.model.TrustBundle;
import dev.agentmanager.spi.CrlContent;
import dev.agentmanager.spi.IAgentCertificateService;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * An {@link IAgentCertificateService} without cryptography, for hosts' tests and the library's own.
 *
 * <p><b>The request bytes stand for the key.</b> {@link #decodeRequest(byte[])} accepts any non-empty input
 * of at most {@link #MAX_REQUEST_BYTES} and uses the SHA-256 of those bytes as the request's
 * {@code publicKeySha256}; no signature is checked. Two agents that send the same bytes therefore "have the
 * same key". {@link #csrFor(String)} gives stable bytes for a named fake key.
 *
 * <p><b>Certificates are fake.</b> {@link #issue} returns an {@link AgentCertificate} whose PEM wraps
 * made-up DER bytes (not parseable as X.509); its thumbprint is the SHA-256 of those bytes, as for a real
 * certificate. Serials are random, positive, at least 64 bits, lower-case hex without leading zeros. Validity
 * runs from the injected clock's current second for the configured lifetime (default
 * {@link #DEFAULT_LIFETIME}).
 *
 * <p><b>Stateless like a real authority.</b> Whether a certificate may be used is the store's fact, not the
 * authority's; the service only remembers what it signed, for inspection ({@link #issuedCertificates()},
 * {@link #signedCrls()}).
 *
 * <p><b>Failure injection.</b> {@link #failNextIssue(RuntimeException)} makes the next {@code issue} call
 * throw, e.g. to prove that a registration failing at the certificate authority does not burn its token.
 *
 * <p>Thread-safe.
 */
public final class FakeCertificateService implements IAgentCertificateService {

    /** The largest request {@link #decodeRequest} accepts: 64 KiB. */
    public static final int MAX_REQUEST_BYTES = 64 * 1024;
    /** Certificate lifetime unless configured otherwise. */
    public static final Duration DEFAULT_LIFETIME = Duration.ofHours(24);
    /** The key algorithm every decoded request reports. */
    public static final String KEY_ALGORITHM = "FAKE";

    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] ROOT_DER =
            "agentmanager testkit fake root CA; not a certificate".getBytes(StandardCharsets.US_ASCII);
    private static final TrustBundle TRUST_BUNDLE = new TrustBundle(pem(ROOT_DER), sha256Hex(ROOT_DER));

    private final Clock clock;
    private final Duration lifetime;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, AgentCertificate> bySerial = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<CrlContent> signedCrls = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<AgentCertificate> issuedInOrder = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<RuntimeException> issueFailures = new ConcurrentLinkedQueue<>();

    /** A service issuing certificates valid for {@link #DEFAULT_LIFETIME} from {@code clock}'s time. */
    public FakeCertificateService(Clock clock) {
        this(clock, DEFAULT_LIFETIME);
    }

    /**
     * A service issuing certificates valid for {@code lifetime} from {@code clock}'s time.
     *
     * @throws IllegalArgumentException if {@code lifetime} is shorter than one second
     */
    public FakeCertificateService(Clock clock, Duration lifetime) {
        this.clock = requireNonNull(clock, "clock");
        this.lifetime = requireNonNull(lifetime, "lifetime");
        if (lifetime.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("lifetime must be at least one second, got " + lifetime);
        }
    }

    /**
     * Stable request bytes for a named fake key: the same name always gives the same bytes, hence the same
     * {@code publicKeySha256}. Pass them as a registration's CSR.
     */
    public static byte[] csrFor(String keyName) {
        requireNonNull(keyName, "keyName");
        return ("FAKE CERTIFICATE REQUEST for key " + keyName).getBytes(StandardCharsets.UTF_8);
    }

    /** The {@code publicKeySha256} that {@link #decodeRequest} reports for {@link #csrFor(String) csrFor(keyName)}. */
    public static String publicKeySha256For(String keyName) {
        return sha256Hex(csrFor(keyName));
    }

    /**
     * Accepts any non-empty input of at most {@link #MAX_REQUEST_BYTES}; the bytes stand for the key.
     *
     * @throws InvalidCertificateRequestException if {@code pemOrDer} is empty or too large
     */
    @Override
    public CertificateRequest decodeRequest(byte[] pemOrDer) {
        requireNonNull(pemOrDer, "pemOrDer");
        if (pemOrDer.length == 0) {
            throw new InvalidCertificateRequestException("empty");
        }
        if (pemOrDer.length > MAX_REQUEST_BYTES) {
            throw new InvalidCertificateRequestException(
                    "too large: " + pemOrDer.length + " bytes, at most " + MAX_REQUEST_BYTES);
        }
        return new CertificateRequest(pemOrDer, sha256Hex(pemOrDer), KEY_ALGORITHM);
    }

    /** Issues a fake certificate, or throws the next failure queued by {@link #failNextIssue}. */
    @Override
    public AgentCertificate issue(String agentId, CertificateRequest request) {
        requireNonNull(agentId, "agentId");
        requireNonNull(request, "request");
        RuntimeException failure = issueFailures.poll();
        if (failure != null) {
            throw failure;
        }
        Instant notBefore = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant notAfter = notBefore.plus(lifetime);
        while (true) {
            String serial = new BigInteger(64, random).setBit(64).toString(16);
            byte[] der = ("FAKE CERTIFICATE serial=" + serial + " subject=" + agentId + " key="
                            + request.publicKeySha256() + " notBefore=" + notBefore + " notAfter=" + notAfter)
                    .getBytes(StandardCharsets.UTF_8);
            AgentCertificate certificate =
                    new AgentCertificate(serial, sha256Hex(der), agentId, notBefore, notAfter, pem(der), null);
            if (bySerial.putIfAbsent(serial, certificate) == null) {
                issuedInOrder.add(certificate);
                return certificate;
            }
        }
    }

    /**
     * Returns made-up bytes naming the content (not parseable as a CRL) and keeps the content for
     * {@link #signedCrls()}.
     */
    @Override
    public byte[] signCrl(CrlContent content) {
        requireNonNull(content, "content");
        signedCrls.add(content);
        StringBuilder text = new StringBuilder("FAKE CRL number=" + content.number() + " thisUpdate="
                + content.thisUpdate() + " nextUpdate=" + content.nextUpdate());
        for (AgentCertificate revoked : content.revoked()) {
            text.append(" ").append(revoked.serial()).append("@").append(revoked.revokedAt());
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public TrustBundle trustBundle() {
        return TRUST_BUNDLE;
    }

    // ---- test controls and inspection ------------------------------------------------------------------

    /** Makes the next {@link #issue} call throw {@code failure} (queued: call twice to fail twice). */
    public void failNextIssue(RuntimeException failure) {
        issueFailures.add(requireNonNull(failure, "failure"));
    }

    /** How many certificates were issued (failed calls do not count). */
    public int issuedCount() {
        return issuedInOrder.size();
    }

    /** Every certificate issued, oldest first, as issued (without revocation). */
    public List<AgentCertificate> issuedCertificates() {
        return List.copyOf(new ArrayList<>(issuedInOrder));
    }

    /** The certificate issued with this serial, as issued. */
    public Optional<AgentCertificate> certificate(String serial) {
        return Optional.ofNullable(bySerial.get(requireNonNull(serial, "serial")));
    }

    /** The content of every CRL signed so far, oldest first. */
    public List<CrlContent> signedCrls() {
        return List.copyOf(new ArrayList<>(signedCrls));
    }

    /** How long issued certificates are valid. */
    public Duration lifetime() {
        return lifetime;
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    static String sha256Hex(byte[] bytes) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    static String pem(byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n";
    }

    @Override
    public String toString() {
        return "FakeCertificateService[issued=" + issuedCount() + ", crls=" + signedCrls.size() + ", lifetime="
                + lifetime + "]";
    }
}
