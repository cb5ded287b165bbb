package dev.agentmanager.ca.bouncycastle;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.ca.bouncycastle.internal.CaMaterial;
import dev.agentmanager.ca.bouncycastle.internal.Digests;
import dev.agentmanager.ca.bouncycastle.internal.KeyPolicy;
import dev.agentmanager.ca.bouncycastle.internal.Ledger;
import dev.agentmanager.exception.CertificateIssuanceException;
import dev.agentmanager.exception.InvalidCertificateRequestException;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificateRequest;
import dev.agentmanager.model.TrustBundle;
import dev.agentmanager.spi.IAgentCertificateService;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.jspecify.annotations.Nullable;

/**
 * A certificate authority on BouncyCastle: verifies PKCS#10 requests, issues short-lived agent client
 * certificates, revokes them, keeps a signed X.509 CRL current, and answers validity checks in O(1).
 *
 * <pre>{@code
 * BouncyCastleCertificateService ca = BouncyCastleCertificateService.builder()
 *         .stateDirectory(Path.of("/var/lib/orchestrator/ca"))   // CA key, chain and ledger survive restarts
 *         .certificateLifetime(Duration.ofHours(24))
 *         .build();
 * }</pre>
 *
 * <h2>Issued certificates</h2>
 * The identity is the server's: subject {@code CN=<agentId>}, one URI subject alternative name
 * ({@link AgentIdentityUri#urn() urn:agent:&lt;id&gt;} by default), {@code basicConstraints CA:false} (critical),
 * {@code keyUsage digitalSignature} (critical), {@code extendedKeyUsage clientAuth}, subject and authority
 * key identifiers. Nothing the request asks for (subject, extensions, attributes) is copied. The serial is
 * random, positive and 127 bits long; {@code notBefore} is back-dated by the clock-skew allowance and
 * {@code notAfter} is {@code now + lifetime}, never beyond the CA's own {@code notAfter}.
 *
 * <h2>Revocation and CRL</h2>
 * One revocation record per serial drives both {@link #isValidSerial}/{@link #isValidThumbprint} (effective
 * as soon as {@link #revoke} returns) and the CRL. {@link #currentCrl()} returns a CRL that is re-signed
 * lazily after a revocation and whenever half of its validity has passed, so a reader always gets one whose
 * {@code nextUpdate} lies at least half the {@linkplain BouncyCastleCertificateServiceBuilder#crlValidity CRL validity} ahead. CRL entries
 * are kept until the certificate has been expired for one CRL validity, then dropped.
 *
 * <h2>Persistence</h2>
 * Without a {@linkplain BouncyCastleCertificateServiceBuilder#stateDirectory state directory} everything lives in memory: a generated CA
 * and its records vanish with the process. With one, a generated CA key and chain are written there
 * ({@code ca-key.pem}, owner-only, and {@code ca-chain.pem}) and reused on the next start, and every
 * issuance and revocation is appended to {@code certificates.log}, which the next start reads back, so old
 * certificates stay valid and revocations are remembered. Revocations are forced to disk before
 * {@link #revoke} returns; issuances are written before {@link #issue} returns (a machine crash may lose the
 * last few, which fails safe: those certificates are then refused). The directory is locked: one
 * authority per directory; {@link #close()} releases it.
 *
 * <h2>Cryptography</h2>
 * Requests are verified and certificates and CRLs signed with an explicit, unregistered
 * {@code BouncyCastleProvider} instance (on JDK 17 several times faster than the default EC provider); the
 * host's {@link java.security.Security} provider list is never changed.
 *
 * <p>Thread-safe.
 */
public final class BouncyCastleCertificateService implements IAgentCertificateService, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BouncyCastleCertificateService.class.getName());

    /** Lifetime of an issued agent certificate: 24 hours. */
    public static final Duration DEFAULT_CERTIFICATE_LIFETIME = Duration.ofHours(24);
    /** How far {@code notBefore} (and a CRL's {@code thisUpdate}) is back-dated for clock skew: 5 minutes. */
    public static final Duration DEFAULT_CLOCK_SKEW_ALLOWANCE = Duration.ofMinutes(5);
    /** How long a CRL is valid ({@code nextUpdate - thisUpdate}): 7 days. It is re-signed at half that. */
    public static final Duration DEFAULT_CRL_VALIDITY = Duration.ofDays(7);
    /** Validity of a generated root: 10 years. */
    public static final Duration DEFAULT_CA_VALIDITY = Duration.ofDays(3650);
    /** Key of a generated root: ECDSA P-256. */
    public static final KeyType DEFAULT_CA_KEY_TYPE = KeyType.EC_P256;
    /** Subject of a generated root. */
    public static final String DEFAULT_CA_SUBJECT = "CN=agentmanager CA";
    /** Agent keys accepted by default: EC P-256 and P-384, Ed25519, RSA. */
    public static final Set<AgentKeyAlgorithm> DEFAULT_AGENT_KEY_ALGORITHMS = Collections.unmodifiableSet(EnumSet.of(
            AgentKeyAlgorithm.EC_P256, AgentKeyAlgorithm.EC_P384, AgentKeyAlgorithm.ED25519, AgentKeyAlgorithm.RSA));
    /** Smallest RSA agent key accepted by default: 2048 bits (also the smallest that can be configured). */
    public static final int DEFAULT_MINIMUM_RSA_KEY_SIZE = 2048;
    /** Largest request accepted, checked before parsing: 16 KiB. */
    public static final int DEFAULT_MAX_REQUEST_SIZE = 16 * 1024;
    /** Longest agent id: 64 characters, the X.520 upper bound of a common name. */
    public static final int MAX_AGENT_ID_LENGTH = 64;

    private static final Pattern AGENT_ID = Pattern.compile("[A-Za-z0-9._~-]{1," + MAX_AGENT_ID_LENGTH + "}");
    private static final Pattern DNS_NAME = Pattern.compile(
            "(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*");

    private final Clock clock;
    private final Duration certificateLifetime;
    private final Duration clockSkewAllowance;
    private final Duration crlValidity;
    private final KeyPolicy keyPolicy;
    private final int maxRequestSize;
    private final AgentIdentityUri identityUri;
    private final Provider provider;
    private final CaMaterial ca;
    private final TrustBundle trustBundle;
    private final @Nullable Ledger ledger;
    private final RequestDecoder requests;
    private final CertificateSigner signer;
    private final SecureRandom random = new SecureRandom();

    private final ConcurrentHashMap<String, Ledger.Issued> bySerial = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Ledger.Issued> byThumbprint = new ConcurrentHashMap<>();
    /** The revocation record: serial to revocation time. Drives validity checks and the CRL. */
    private final ConcurrentHashMap<String, Instant> revoked = new ConcurrentHashMap<>();

    private final Object crlLock = new Object();
    private volatile boolean crlStale = true;
    private volatile @Nullable Crl crl;
    private long lastCrlNumber;
    private volatile boolean closed;

    /** A signed CRL and when to sign the next one. */
    private record Crl(X509CRL crl, byte[] der, Instant refreshAt) {}

    /** The builder's settings with defaults filled in. */
    record Settings(
            Clock clock,
            Duration certificateLifetime,
            Duration clockSkewAllowance,
            Duration crlValidity,
            KeyPolicy keyPolicy,
            int maxRequestSize,
            AgentIdentityUri identityUri) {}

    BouncyCastleCertificateService(Settings settings, CaMaterial ca, @Nullable Ledger ledger) {
        this.clock = settings.clock();
        this.certificateLifetime = settings.certificateLifetime();
        this.clockSkewAllowance = settings.clockSkewAllowance();
        this.crlValidity = settings.crlValidity();
        this.keyPolicy = settings.keyPolicy();
        this.maxRequestSize = settings.maxRequestSize();
        this.identityUri = settings.identityUri();
        this.provider = ca.provider();
        this.ca = ca;
        this.ledger = ledger;
        this.requests = new RequestDecoder(keyPolicy, maxRequestSize, provider);
        this.signer = new CertificateSigner(ca, clockSkewAllowance, random);
        this.trustBundle = new TrustBundle(Pem.write(ca.chain()), Digests.thumbprint(ca.root()));
        if (ledger != null) {
            for (Ledger.Issued issued : ledger.issued()) {
                bySerial.put(issued.serial(), issued);
                byThumbprint.put(issued.thumbprint(), issued);
            }
            revoked.putAll(ledger.revoked());
        }
    }

    /** A builder with every setting at its {@code DEFAULT_*}: a generated, in-memory EC P-256 root. */
    public static BouncyCastleCertificateServiceBuilder builder() {
        return new BouncyCastleCertificateServiceBuilder();
    }

    // ------------------------------------------------------------------------------------------ requests

    /**
     * {@inheritDoc}
     *
     * <p>Accepts one PEM block ({@code CERTIFICATE REQUEST} or {@code NEW CERTIFICATE REQUEST}) or DER, at
     * most {@link BouncyCastleCertificateServiceBuilder#maxRequestSize} bytes (checked before parsing). Checks, in
     * order: the key (allowed algorithm, named curve, RSA size), the signature algorithm (no MD5 or SHA-1) and the
     * signature itself with the key in the request, which proves the requester holds the private key.
     */
    @Override
    public CertificateRequest decodeRequest(byte[] pemOrDer) {
        return requests.decode(pemOrDer);
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code request} must come from {@link #decodeRequest}: its signature is not verified again (its
     * key is checked against the policy again, which is cheap).
     *
     * @throws InvalidRequestException if {@code agentId} is not 1-64 URI-unreserved characters
     *     ({@code A-Z a-z 0-9 - . _ ~})
     * @throws InvalidCertificateRequestException if {@code request} does not hold a request this authority
     *     accepts
     * @throws CertificateIssuanceException if the CA has expired or signing or recording fails
     * @throws IllegalStateException after {@link #close()}
     */
    @Override
    public AgentCertificate issue(String agentId, CertificateRequest request) {
        requireNonNull(agentId, "agentId");
        requireNonNull(request, "request");
        requireOpen();
        if (!AGENT_ID.matcher(agentId).matches()) {
            throw new InvalidRequestException(
                    "agentId", "must be 1-" + MAX_AGENT_ID_LENGTH + " characters of A-Z a-z 0-9 - . _ ~");
        }
        String uri = identityUri.forAgent(agentId);
        PKCS10CertificationRequest csr = RequestDecoder.parse(request.der());
        SubjectPublicKeyInfo key = csr.getSubjectPublicKeyInfo();
        keyPolicy.check(key);

        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        CertificateSigner.Signed signed = signer.signAgent(agentId, uri, key, now, certificateLifetime);
        CertificateSigner.Validity validity = signed.validity();
        String serialHex = signed.serialHex();
        byte[] der = signed.der();
        String thumbprint = Digests.sha256Hex(der);
        Ledger.Issued issued =
                new Ledger.Issued(serialHex, thumbprint, agentId, validity.notBefore(), validity.notAfter());
        if (ledger != null) {
            try {
                ledger.appendIssued(issued);
            } catch (IOException | RuntimeException e) {
                throw new CertificateIssuanceException("cannot record the certificate for agent " + agentId, e);
            }
        }
        if (bySerial.putIfAbsent(serialHex, issued) != null) {
            // 126 random bits: this does not happen, but if it did the older certificate must keep its record.
            throw new CertificateIssuanceException(
                    "serial collision for agent " + agentId,
                    new IllegalStateException("serial " + serialHex + " already issued"));
        }
        byThumbprint.put(thumbprint, issued);
        return new AgentCertificate(
                serialHex,
                thumbprint,
                agentId,
                validity.notBefore(),
                validity.notAfter(),
                Pem.encode(Pem.CERTIFICATE, der),
                null);
    }

    // ---------------------------------------------------------------------------------------- revocation

    /**
     * {@inheritDoc}
     *
     * <p>Takes effect for {@link #isValidSerial}/{@link #isValidThumbprint} as soon as the call returns,
     * whatever {@code revokedAt} says; {@code revokedAt} is the revocation date the CRL shows. A second
     * revocation of the same serial keeps the first date. With a state directory the revocation is forced to
     * disk before returning.
     *
     * @throws UncheckedIOException if the revocation is in effect but could not be written to the ledger
     * @throws IllegalStateException after {@link #close()}
     */
    @Override
    public void revoke(String serial, Instant revokedAt) {
        requireNonNull(serial, "serial");
        requireNonNull(revokedAt, "revokedAt");
        requireOpen();
        String key = serial.toLowerCase(Locale.ROOT);
        if (!bySerial.containsKey(key)) {
            return;
        }
        if (revoked.putIfAbsent(key, revokedAt) != null) {
            return;
        }
        crlStale = true;
        if (ledger != null) {
            try {
                ledger.appendRevoked(key, revokedAt);
            } catch (IOException e) {
                throw new UncheckedIOException("revocation of " + key + " is in effect but was not persisted", e);
            }
        }
    }

    @Override
    public boolean isValidSerial(String serial) {
        requireNonNull(serial, "serial");
        return isValid(bySerial.get(serial.toLowerCase(Locale.ROOT)));
    }

    @Override
    public boolean isValidThumbprint(String thumbprint) {
        requireNonNull(thumbprint, "thumbprint");
        return isValid(byThumbprint.get(thumbprint.toLowerCase(Locale.ROOT)));
    }

    private boolean isValid(Ledger.@Nullable Issued issued) {
        if (issued == null || revoked.containsKey(issued.serial())) {
            return false;
        }
        Instant now = clock.instant();
        return !now.isBefore(issued.notBefore()) && now.isBefore(issued.notAfter());
    }

    /**
     * The current CRL, signed by the CA, listing every revoked certificate that has not been expired for
     * longer than one CRL validity. Re-signed on demand after a revocation and once half its validity has
     * passed; otherwise the same object is returned.
     */
    public X509CRL currentCrl() {
        return crl().crl();
    }

    /** {@link #currentCrl()} in DER, as served at a CRL distribution point. */
    public byte[] currentCrlDer() {
        return crl().der().clone();
    }

    /** {@link #currentCrl()} in PEM ({@code X509 CRL}). */
    public String currentCrlPem() {
        return Pem.encode(Pem.X509_CRL, crl().der());
    }

    private Crl crl() {
        Instant now = clock.instant();
        Crl current = crl;
        if (current != null && !crlStale && now.isBefore(current.refreshAt())) {
            return current;
        }
        synchronized (crlLock) {
            current = crl;
            if (current == null || crlStale || !now.isBefore(current.refreshAt())) {
                crlStale = false; // before reading the record: a revocation from now on marks it stale again
                current = signCrl(now);
                crl = current;
            }
            return current;
        }
    }

    private Crl signCrl(Instant now) {
        forgetExpired(now);
        Instant issuedAt = now.truncatedTo(ChronoUnit.SECONDS);
        Instant thisUpdate = issuedAt.minus(clockSkewAllowance);
        Instant nextUpdate = issuedAt.plus(crlValidity);
        lastCrlNumber = Math.max(lastCrlNumber + 1, now.toEpochMilli());
        try {
            X509v2CRLBuilder builder = new X509v2CRLBuilder(ca.subject(), Date.from(thisUpdate));
            builder.setNextUpdate(Date.from(nextUpdate));
            List<Map.Entry<String, Instant>> entries = new ArrayList<>(revoked.entrySet());
            entries.sort(Map.Entry.comparingByKey());
            for (Map.Entry<String, Instant> entry : entries) {
                builder.addCRLEntry(
                        new BigInteger(entry.getKey(), 16), Date.from(entry.getValue()), CRLReason.unspecified);
            }
            builder.addExtension(Extension.authorityKeyIdentifier, false, ca.authorityKeyIdentifier());
            builder.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(lastCrlNumber)));
            byte[] der = builder.build(ca.signer()).getEncoded();
            X509CRL parsed =
                    (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
            return new Crl(parsed, der, issuedAt.plus(crlValidity.dividedBy(2)));
        } catch (IOException | OperatorCreationException | CertificateException | CRLException e) {
            throw new IllegalStateException("cannot sign the CRL", e);
        }
    }

    /** Drops records of certificates expired for longer than one CRL validity (they have left the CRL). */
    private void forgetExpired(Instant now) {
        Instant horizon = now.minus(crlValidity);
        bySerial.values().removeIf(issued -> {
            if (issued.notAfter().isBefore(horizon)) {
                byThumbprint.remove(issued.thumbprint());
                revoked.remove(issued.serial());
                return true;
            }
            return false;
        });
    }

    // -------------------------------------------------------------------------------------------- trust

    @Override
    public TrustBundle trustBundle() {
        return trustBundle;
    }

    /** The CA chain, issuing CA first, root last. */
    public List<X509Certificate> caCertificates() {
        return ca.chain();
    }

    /**
     * Issues a TLS server certificate for the host's own endpoint, so that agents holding the
     * {@link #trustBundle()} (checked against its pin on first contact) can verify the server. It carries
     * the given DNS names and IP addresses as subject alternative names, {@code extendedKeyUsage
     * serverAuth}, {@code basicConstraints CA:false}. Server certificates are not agent certificates: they
     * are not recorded, not valid for {@link #isValidSerial} and cannot be revoked here.
     *
     * @param publicKey the server's public key (the private key stays with the server)
     * @param lifetime validity, capped at the CA's own {@code notAfter}
     * @throws IllegalArgumentException if there is no name, a DNS name is malformed, or the key is of no
     *     supported kind
     */
    public X509Certificate issueServerCertificate(
            PublicKey publicKey, Set<String> dnsNames, Set<InetAddress> ipAddresses, Duration lifetime) {
        requireNonNull(publicKey, "publicKey");
        requireNonNull(dnsNames, "dnsNames");
        requireNonNull(ipAddresses, "ipAddresses");
        requireNonNull(lifetime, "lifetime");
        requireOpen();
        if (dnsNames.isEmpty() && ipAddresses.isEmpty()) {
            throw new IllegalArgumentException("a server certificate needs at least one DNS name or IP address");
        }
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("lifetime must be positive");
        }
        List<GeneralName> names = new ArrayList<>();
        for (String dns : dnsNames) {
            if (dns.length() > 253 || !DNS_NAME.matcher(dns).matches()) {
                throw new IllegalArgumentException("not a DNS name: '" + dns + "'");
            }
            names.add(new GeneralName(GeneralName.dNSName, dns));
        }
        for (InetAddress address : ipAddresses) {
            names.add(new GeneralName(GeneralName.iPAddress, address.getHostAddress()));
        }
        return signer.signServer(
                publicKey,
                names,
                dnsNames.isEmpty()
                        ? ipAddresses.iterator().next().getHostAddress()
                        : dnsNames.iterator().next(),
                clock.instant().truncatedTo(ChronoUnit.SECONDS),
                lifetime);
    }

    /** Releases the state directory (if any). Afterwards issuing and revoking fail; checks still answer. */
    @Override
    public void close() {
        closed = true;
        if (ledger != null) {
            try {
                ledger.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot close the certificate ledger", e);
            }
        }
    }

    @Override
    public String toString() {
        return "BouncyCastleCertificateService[ca=" + ca.issuingCertificate().getSubjectX500Principal()
                + ", key=" + ca.keyLabel() + ", root=" + trustBundle.rootSha256()
                + (ledger != null ? ", " + ledger : "") + "]";
    }

    // ---------------------------------------------------------------------------------------- internals

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("certificate service is closed");
        }
    }
}
