package dev.agentmanager.ca.bouncycastle;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.ca.bouncycastle.internal.Bc;
import dev.agentmanager.ca.bouncycastle.internal.CaFiles;
import dev.agentmanager.ca.bouncycastle.internal.CaMaterial;
import dev.agentmanager.ca.bouncycastle.internal.Digests;
import dev.agentmanager.ca.bouncycastle.internal.JdkKeys;
import dev.agentmanager.ca.bouncycastle.internal.KeyPolicy;
import dev.agentmanager.ca.bouncycastle.internal.Ledger;
import dev.agentmanager.ca.bouncycastle.internal.Serials;
import dev.agentmanager.ca.bouncycastle.internal.SignatureAlgorithms;
import dev.agentmanager.exception.CertificateIssuanceException;
import dev.agentmanager.exception.InvalidCertificateRequestException;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificateRequest;
import dev.agentmanager.model.TrustBundle;
import dev.agentmanager.spi.IAgentCertificateService;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
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
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
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
 * {@code nextUpdate} lies at least half the {@linkplain Builder#crlValidity CRL validity} ahead. CRL entries
 * are kept until the certificate has been expired for one CRL validity, then dropped.
 *
 * <h2>Persistence</h2>
 * Without a {@linkplain Builder#stateDirectory state directory} everything lives in memory: a generated CA
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
    public static final Set<AgentKeyAlgorithm> DEFAULT_AGENT_KEY_ALGORITHMS = Collections.unmodifiableSet(
            EnumSet.of(AgentKeyAlgorithm.EC_P256, AgentKeyAlgorithm.EC_P384, AgentKeyAlgorithm.ED25519, AgentKeyAlgorithm.RSA));
    /** Smallest RSA agent key accepted by default: 2048 bits (also the smallest that can be configured). */
    public static final int DEFAULT_MINIMUM_RSA_KEY_SIZE = 2048;
    /** Largest request accepted, checked before parsing: 16 KiB. */
    public static final int DEFAULT_MAX_REQUEST_SIZE = 16 * 1024;
    /** Longest agent id: 64 characters, the X.520 upper bound of a common name. */
    public static final int MAX_AGENT_ID_LENGTH = 64;

    private static final Pattern AGENT_ID = Pattern.compile("[A-Za-z0-9._~-]{1," + MAX_AGENT_ID_LENGTH + "}");
    private static final Pattern DNS_NAME = Pattern.compile("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*");

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
    private record Settings(Clock clock, Duration certificateLifetime, Duration clockSkewAllowance,
            Duration crlValidity, KeyPolicy keyPolicy, int maxRequestSize, AgentIdentityUri identityUri) {}

    private BouncyCastleCertificateService(Settings settings, CaMaterial ca, @Nullable Ledger ledger) {
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
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------------------------------ requests

    /**
     * {@inheritDoc}
     *
     * <p>Accepts one PEM block ({@code CERTIFICATE REQUEST} or {@code NEW CERTIFICATE REQUEST}) or DER, at
     * most {@link Builder#maxRequestSize} bytes (checked before parsing). Checks, in order: the key (allowed
     * algorithm, named curve, RSA size), the signature algorithm (no MD5 or SHA-1) and the signature itself
     * with the key in the request, which proves the requester holds the private key.
     */
    @Override
    public CertificateRequest decodeRequest(byte[] pemOrDer) {
        requireNonNull(pemOrDer, "pemOrDer");
        if (pemOrDer.length == 0) {
            throw new InvalidCertificateRequestException("request is empty");
        }
        if (pemOrDer.length > maxRequestSize) {
            throw new InvalidCertificateRequestException(
                    "request is " + pemOrDer.length + " bytes, more than the " + maxRequestSize + " allowed");
        }
        byte[] der = isPem(pemOrDer) ? pemToDer(pemOrDer) : pemOrDer;
        PKCS10CertificationRequest request = parse(der);
        SubjectPublicKeyInfo key = request.getSubjectPublicKeyInfo();
        KeyPolicy.KeyDescription description = keyPolicy.check(key);
        verifySignature(request, key);
        return new CertificateRequest(encoded(request), Digests.sha256Hex(encoded(key)), description.label());
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
            throw new InvalidRequestException("agentId",
                    "must be 1-" + MAX_AGENT_ID_LENGTH + " characters of A-Z a-z 0-9 - . _ ~");
        }
        String uri = identityUri.forAgent(agentId);
        PKCS10CertificationRequest csr = parse(request.der());
        SubjectPublicKeyInfo key = csr.getSubjectPublicKeyInfo();
        keyPolicy.check(key);

        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Validity validity = validity(now, certificateLifetime);
        BigInteger serial = Serials.next(random);
        String serialHex = serial.toString(16);
        byte[] der;
        try {
            X509v3CertificateBuilder builder = new X509v3CertificateBuilder(ca.subject(), serial,
                    Date.from(validity.notBefore()), Date.from(validity.notAfter()), agentSubject(agentId), key);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    new SubjectKeyIdentifier(CaMaterial.keyIdentifier(key)));
            builder.addExtension(Extension.authorityKeyIdentifier, false, ca.authorityKeyIdentifier());
            der = builder.build(ca.signer()).getEncoded();
        } catch (IOException | OperatorCreationException | RuntimeException e) {
            throw new CertificateIssuanceException("cannot sign a certificate for agent " + agentId, e);
        }
        String thumbprint = Digests.sha256Hex(der);
        Ledger.Issued issued = new Ledger.Issued(serialHex, thumbprint, agentId, validity.notBefore(), validity.notAfter());
        if (ledger != null) {
            try {
                ledger.appendIssued(issued);
            } catch (IOException | RuntimeException e) {
                throw new CertificateIssuanceException("cannot record the certificate for agent " + agentId, e);
            }
        }
        if (bySerial.putIfAbsent(serialHex, issued) != null) {
            // 126 random bits: this does not happen, but if it did the older certificate must keep its record.
            throw new CertificateIssuanceException("serial collision for agent " + agentId,
                    new IllegalStateException("serial " + serialHex + " already issued"));
        }
        byThumbprint.put(thumbprint, issued);
        return new AgentCertificate(serialHex, thumbprint, agentId, validity.notBefore(), validity.notAfter(),
                Pem.encode(Pem.CERTIFICATE, der), null);
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
                builder.addCRLEntry(new BigInteger(entry.getKey(), 16), Date.from(entry.getValue()), CRLReason.unspecified);
            }
            builder.addExtension(Extension.authorityKeyIdentifier, false, ca.authorityKeyIdentifier());
            builder.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(lastCrlNumber)));
            byte[] der = builder.build(ca.signer()).getEncoded();
            X509CRL parsed = (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
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
    public X509Certificate issueServerCertificate(PublicKey publicKey, Set<String> dnsNames,
            Set<InetAddress> ipAddresses, Duration lifetime) {
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
        SubjectPublicKeyInfo key = SubjectPublicKeyInfo.getInstance(publicKey.getEncoded());
        KeyPolicy.KeyDescription description = KeyPolicy.describe(key);
        String commonName = dnsNames.isEmpty() ? ipAddresses.iterator().next().getHostAddress() : dnsNames.iterator().next();
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Validity validity = validity(now, lifetime);
        int usage = KeyUsage.digitalSignature
                | (description.algorithm() == AgentKeyAlgorithm.RSA ? KeyUsage.keyEncipherment : 0);
        try {
            X509v3CertificateBuilder builder = new X509v3CertificateBuilder(ca.subject(), Serials.next(random),
                    Date.from(validity.notBefore()), Date.from(validity.notAfter()),
                    new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build(), key);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            builder.addExtension(Extension.subjectKeyIdentifier, false, new SubjectKeyIdentifier(CaMaterial.keyIdentifier(key)));
            builder.addExtension(Extension.authorityKeyIdentifier, false, ca.authorityKeyIdentifier());
            return Pem.certificate(builder.build(ca.signer()).getEncoded());
        } catch (IOException | OperatorCreationException e) {
            throw new CertificateIssuanceException("cannot sign the server certificate", e);
        }
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

    private record Validity(Instant notBefore, Instant notAfter) {}

    private Validity validity(Instant now, Duration lifetime) {
        if (!now.isBefore(ca.notAfter())) {
            throw new CertificateIssuanceException("the CA certificate expired at " + ca.notAfter(),
                    new CertificateExpiredException("CA notAfter " + ca.notAfter()));
        }
        Instant notBefore = max(now.minus(clockSkewAllowance), ca.notBefore());
        Instant notAfter = min(now.plus(lifetime), ca.notAfter());
        if (!notAfter.isAfter(notBefore)) {
            throw new CertificateIssuanceException("the CA certificate is not valid yet (notBefore " + ca.notBefore() + ")",
                    new CertificateExpiredException("CA notBefore " + ca.notBefore()));
        }
        return new Validity(notBefore, notAfter);
    }

    private static X500Name agentSubject(String agentId) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, agentId).build();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("certificate service is closed");
        }
    }

    private static boolean isPem(byte[] bytes) {
        int i = 0;
        while (i < bytes.length && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\r' || bytes[i] == '\n')) {
            i++;
        }
        byte[] begin = "-----BEGIN".getBytes(StandardCharsets.US_ASCII);
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

    private static byte[] pemToDer(byte[] pem) {
        List<PemObject> blocks = new ArrayList<>();
        try (PemReader reader = new PemReader(new StringReader(new String(pem, StandardCharsets.US_ASCII).strip()))) {
            PemObject block;
            while ((block = reader.readPemObject()) != null) {
                blocks.add(block);
            }
        } catch (IOException | RuntimeException e) {
            throw new InvalidCertificateRequestException("request is not well-formed PEM", e);
        }
        if (blocks.size() != 1) {
            throw new InvalidCertificateRequestException("expected one PEM block, found " + blocks.size());
        }
        PemObject block = blocks.get(0);
        if (!block.getType().equals("CERTIFICATE REQUEST") && !block.getType().equals("NEW CERTIFICATE REQUEST")) {
            throw new InvalidCertificateRequestException("expected a CERTIFICATE REQUEST PEM block, found " + block.getType());
        }
        if (block.getContent().length == 0) {
            throw new InvalidCertificateRequestException("PEM block is empty");
        }
        return block.getContent();
    }

    private static PKCS10CertificationRequest parse(byte[] der) {
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
            valid = request.isSignatureValid(new JcaContentVerifierProviderBuilder().setProvider(provider).build(publicKey));
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

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    // ------------------------------------------------------------------------------------------ builder

    /**
     * Settings for a {@link BouncyCastleCertificateService}. Every setting may be given at most once; null
     * is refused at once; {@link #build()} checks the combination.
     *
     * <p>The CA comes from exactly one of: {@link #caFromPkcs12}, {@link #caFromPem}, or (neither) a
     * generated root, which is written to and later read from the {@link #stateDirectory} when one is set.
     * {@link #caKeyType}, {@link #caSubject} and {@link #caValidity} apply only to a generated root.
     */
    public static final class Builder {
        private @Nullable Clock clock;
        private @Nullable Duration certificateLifetime;
        private @Nullable Duration clockSkewAllowance;
        private @Nullable Duration crlValidity;
        private @Nullable KeyType caKeyType;
        private @Nullable String caSubject;
        private @Nullable Duration caValidity;
        private @Nullable Path pkcs12File;
        private char @Nullable [] pkcs12Password;
        private @Nullable String pkcs12Alias;
        private @Nullable Path pemChainFile;
        private @Nullable Path pemKeyFile;
        private char @Nullable [] pemKeyPassword;
        private @Nullable Path stateDirectory;
        private @Nullable Set<AgentKeyAlgorithm> agentKeyAlgorithms;
        private @Nullable Integer minimumRsaKeySize;
        private @Nullable Integer maxRequestSize;
        private @Nullable AgentIdentityUri identityUri;
        private @Nullable Provider cryptoProvider;

        private Builder() {}

        /** The clock for validity periods, checks and CRL dates. Default {@link Clock#systemUTC()}. */
        public Builder clock(Clock clock) {
            requireUnset(this.clock, "clock");
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        /** Lifetime of issued agent certificates, 1 minute to 397 days. Default {@link #DEFAULT_CERTIFICATE_LIFETIME}. */
        public Builder certificateLifetime(Duration lifetime) {
            requireUnset(this.certificateLifetime, "certificateLifetime");
            requireRange(lifetime, "certificateLifetime", Duration.ofMinutes(1), Duration.ofDays(397));
            this.certificateLifetime = lifetime;
            return this;
        }

        /**
         * How far back {@code notBefore} (and a CRL's {@code thisUpdate}) is dated so that agents whose
         * clocks lag accept them, 0 to 1 hour. Default {@link #DEFAULT_CLOCK_SKEW_ALLOWANCE}.
         */
        public Builder clockSkewAllowance(Duration allowance) {
            requireUnset(this.clockSkewAllowance, "clockSkewAllowance");
            requireRange(allowance, "clockSkewAllowance", Duration.ZERO, Duration.ofHours(1));
            this.clockSkewAllowance = allowance;
            return this;
        }

        /**
         * How long a CRL is valid ({@code nextUpdate - thisUpdate}), 1 hour to 366 days; a fresh one is
         * signed when half has passed. Default {@link #DEFAULT_CRL_VALIDITY}.
         */
        public Builder crlValidity(Duration validity) {
            requireUnset(this.crlValidity, "crlValidity");
            requireRange(validity, "crlValidity", Duration.ofHours(1), Duration.ofDays(366));
            this.crlValidity = validity;
            return this;
        }

        /** Key of a generated root. Default {@link #DEFAULT_CA_KEY_TYPE}. */
        public Builder caKeyType(KeyType keyType) {
            requireUnset(this.caKeyType, "caKeyType");
            this.caKeyType = requireNonNull(keyType, "keyType");
            return this;
        }

        /**
         * Subject of a generated root, an RFC 4514 distinguished name such as
         * {@code CN=Orchestrator CA,O=Example}. Default {@link #DEFAULT_CA_SUBJECT}.
         */
        public Builder caSubject(String subjectDn) {
            requireUnset(this.caSubject, "caSubject");
            requireNonNull(subjectDn, "subjectDn");
            try {
                new javax.security.auth.x500.X500Principal(subjectDn);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("caSubject is not a valid X.500 name: " + subjectDn, e);
            }
            this.caSubject = subjectDn;
            return this;
        }

        /** Validity of a generated root, 1 hour to 100 years. Default {@link #DEFAULT_CA_VALIDITY}. */
        public Builder caValidity(Duration validity) {
            requireUnset(this.caValidity, "caValidity");
            requireRange(validity, "caValidity", Duration.ofHours(1), Duration.ofDays(36525));
            this.caValidity = validity;
            return this;
        }

        /**
         * Loads the CA from a PKCS#12 key store holding exactly one private-key entry (with its chain,
         * issuing CA first).
         */
        public Builder caFromPkcs12(Path file, char[] password) {
            requireNoCaSource();
            this.pkcs12File = requireNonNull(file, "file");
            this.pkcs12Password = requireNonNull(password, "password").clone();
            return this;
        }

        /** Loads the CA from the entry {@code alias} of a PKCS#12 key store. */
        public Builder caFromPkcs12(Path file, char[] password, String alias) {
            requireNonNull(alias, "alias");
            caFromPkcs12(file, password);
            this.pkcs12Alias = alias;
            return this;
        }

        /**
         * Loads the CA from PEM files: the chain (issuing CA first, root last) and its unencrypted private
         * key (PKCS#8, or traditional EC/RSA).
         */
        public Builder caFromPem(Path certificateChain, Path privateKey) {
            requireNoCaSource();
            this.pemChainFile = requireNonNull(certificateChain, "certificateChain");
            this.pemKeyFile = requireNonNull(privateKey, "privateKey");
            return this;
        }

        /** Loads the CA from PEM files whose private key is encrypted with {@code keyPassword}. */
        public Builder caFromPem(Path certificateChain, Path privateKey, char[] keyPassword) {
            requireNonNull(keyPassword, "keyPassword");
            caFromPem(certificateChain, privateKey);
            this.pemKeyPassword = keyPassword.clone();
            return this;
        }

        /**
         * Where the authority keeps its state across restarts: a generated CA (key and chain) and the ledger
         * of issued and revoked certificates. Created if missing; locked while the authority is open.
         * Protect it like the CA key it holds. Default: none, everything in memory.
         */
        public Builder stateDirectory(Path directory) {
            requireUnset(this.stateDirectory, "stateDirectory");
            this.stateDirectory = requireNonNull(directory, "directory");
            return this;
        }

        /** Agent key kinds accepted in requests, not empty. Default {@link #DEFAULT_AGENT_KEY_ALGORITHMS}. */
        public Builder agentKeyAlgorithms(Set<AgentKeyAlgorithm> algorithms) {
            requireUnset(this.agentKeyAlgorithms, "agentKeyAlgorithms");
            requireNonNull(algorithms, "algorithms");
            if (algorithms.isEmpty()) {
                throw new IllegalArgumentException("agentKeyAlgorithms must not be empty");
            }
            this.agentKeyAlgorithms = Collections.unmodifiableSet(EnumSet.copyOf(algorithms));
            return this;
        }

        /** Smallest RSA agent key, 2048 to 8192 bits. Default {@link #DEFAULT_MINIMUM_RSA_KEY_SIZE}. */
        public Builder minimumRsaKeySize(int bits) {
            requireUnset(this.minimumRsaKeySize, "minimumRsaKeySize");
            if (bits < 2048 || bits > KeyPolicy.MAX_RSA_BITS) {
                throw new IllegalArgumentException("minimumRsaKeySize must be 2048 to " + KeyPolicy.MAX_RSA_BITS + ", got " + bits);
            }
            this.minimumRsaKeySize = bits;
            return this;
        }

        /** Largest request accepted, 1 KiB to 1 MiB. Default {@link #DEFAULT_MAX_REQUEST_SIZE}. */
        public Builder maxRequestSize(int bytes) {
            requireUnset(this.maxRequestSize, "maxRequestSize");
            if (bytes < 1024 || bytes > 1024 * 1024) {
                throw new IllegalArgumentException("maxRequestSize must be 1024 to 1048576 bytes, got " + bytes);
            }
            this.maxRequestSize = bytes;
            return this;
        }

        /** The URI subject alternative name of issued certificates. Default {@link AgentIdentityUri#urn()}. */
        public Builder identityUri(AgentIdentityUri identityUri) {
            requireUnset(this.identityUri, "identityUri");
            this.identityUri = requireNonNull(identityUri, "identityUri");
            return this;
        }

        /**
         * The JCA provider that verifies requests and signs certificates and CRLs. Default: a
         * {@code BouncyCastleProvider} instance (not registered globally). Another provider (e.g. the
         * JDK's {@code SunEC}, or a FIPS provider) must support the CA's key and every accepted agent key.
         */
        public Builder cryptoProvider(Provider provider) {
            requireUnset(this.cryptoProvider, "cryptoProvider");
            this.cryptoProvider = requireNonNull(provider, "provider");
            return this;
        }

        /**
         * Loads or generates the CA, opens the state directory, and returns the authority.
         *
         * @throws IllegalStateException if generated-root settings are combined with a loaded CA, the state
         *     directory is in use or belongs to another CA, or a persisted CA is not of the configured key type
         * @throws IllegalArgumentException if the CA material is unusable (not a CA, key does not match,
         *     wrong password, broken chain)
         * @throws UncheckedIOException if files cannot be read or written
         */
        public BouncyCastleCertificateService build() {
            boolean loaded = pkcs12File != null || pemChainFile != null;
            if (loaded && (caKeyType != null || caSubject != null || caValidity != null)) {
                throw new IllegalStateException("caKeyType, caSubject and caValidity apply only to a generated CA, "
                        + "not to one loaded from " + (pkcs12File != null ? "PKCS#12" : "PEM"));
            }
            Clock clock = this.clock != null ? this.clock : Clock.systemUTC();
            Duration lifetime = certificateLifetime != null ? certificateLifetime : DEFAULT_CERTIFICATE_LIFETIME;
            Duration skew = clockSkewAllowance != null ? clockSkewAllowance : DEFAULT_CLOCK_SKEW_ALLOWANCE;
            Duration crlValidity = this.crlValidity != null ? this.crlValidity : DEFAULT_CRL_VALIDITY;
            Settings settings = new Settings(clock, lifetime, skew, crlValidity,
                    new KeyPolicy(agentKeyAlgorithms != null ? agentKeyAlgorithms : DEFAULT_AGENT_KEY_ALGORITHMS,
                            minimumRsaKeySize != null ? minimumRsaKeySize : DEFAULT_MINIMUM_RSA_KEY_SIZE),
                    maxRequestSize != null ? maxRequestSize : DEFAULT_MAX_REQUEST_SIZE,
                    identityUri != null ? identityUri : AgentIdentityUri.urn());
            Provider provider = cryptoProvider != null ? cryptoProvider : Bc.provider();

            @Nullable Ledger ledger = stateDirectory != null ? Ledger.lock(stateDirectory) : null;
            try {
                boolean generated = !loaded && (stateDirectory == null || !CaFiles.hasCa(stateDirectory));
                CaMaterial ca = caMaterial(provider, clock.instant(), skew);
                if (ledger != null) {
                    Instant horizon = clock.instant().minus(crlValidity);
                    ledger.load(Digests.thumbprint(ca.issuingCertificate()), issued -> !issued.notAfter().isBefore(horizon));
                    if (generated) {
                        // Only once the ledger accepted this CA: a failed start leaves no new key behind.
                        CaFiles.writeToStateDirectory(stateDirectory, ca.chain(), ca.privateKey());
                        LOG.log(Level.INFO, "generated a {0} CA in {1}, root SHA-256 {2}", ca.keyLabel(),
                                stateDirectory, Digests.thumbprint(ca.root()));
                    }
                }
                Instant now = clock.instant();
                if (!now.isBefore(ca.notAfter())) {
                    LOG.log(Level.ERROR, "CA certificate expired at {0}: no certificate can be issued", ca.notAfter());
                } else if (now.plus(lifetime).isAfter(ca.notAfter())) {
                    LOG.log(Level.WARNING, "CA certificate expires at {0}: certificates issued now are cut short",
                            ca.notAfter());
                }
                return new BouncyCastleCertificateService(settings, ca, ledger);
            } catch (RuntimeException e) {
                if (ledger != null) {
                    try {
                        ledger.close();
                    } catch (IOException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw e;
            }
        }

        private CaMaterial caMaterial(Provider provider, Instant now, Duration skew) {
            if (pkcs12File != null) {
                CaFiles.Loaded loaded = CaFiles.fromPkcs12(pkcs12File, requireNonNull(pkcs12Password), pkcs12Alias);
                return CaMaterial.of(loaded.chain(), loaded.key(), provider);
            }
            if (pemChainFile != null) {
                CaFiles.Loaded loaded = CaFiles.fromPem(pemChainFile, requireNonNull(pemKeyFile), pemKeyPassword);
                return CaMaterial.of(loaded.chain(), loaded.key(), provider);
            }
            if (stateDirectory != null && CaFiles.hasCa(stateDirectory)) {
                CaFiles.Loaded loaded = CaFiles.fromStateDirectory(stateDirectory);
                CaMaterial ca = CaMaterial.of(loaded.chain(), loaded.key(), provider);
                if (caKeyType != null && !caKeyType.label().equals(ca.keyLabel())) {
                    throw new IllegalStateException("state directory " + stateDirectory + " holds a " + ca.keyLabel()
                            + " CA, but caKeyType is " + caKeyType.label());
                }
                return ca;
            }
            KeyType keyType = caKeyType != null ? caKeyType : DEFAULT_CA_KEY_TYPE;
            return CaMaterial.generate(keyType.generateKeyPair(),
                    caSubject != null ? caSubject : DEFAULT_CA_SUBJECT,
                    now, skew,
                    caValidity != null ? caValidity : DEFAULT_CA_VALIDITY, provider, new SecureRandom());
        }

        private void requireNoCaSource() {
            if (pkcs12File != null || pemChainFile != null) {
                throw new IllegalStateException("the CA source was already set");
            }
        }

        private static void requireUnset(@Nullable Object current, String name) {
            if (current != null) {
                throw new IllegalStateException(name + " was already set");
            }
        }

        private static void requireRange(Duration value, String name, Duration min, Duration max) {
            requireNonNull(value, name);
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + value);
            }
        }
    }
}
