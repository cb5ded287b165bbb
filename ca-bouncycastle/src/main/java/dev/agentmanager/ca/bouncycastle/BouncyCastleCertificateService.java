package dev.agentmanager.ca.bouncycastle;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.ca.bouncycastle.internal.CaMaterial;
import dev.agentmanager.ca.bouncycastle.internal.Digests;
import dev.agentmanager.ca.bouncycastle.internal.KeyPolicy;
import dev.agentmanager.exception.CertificateIssuanceException;
import dev.agentmanager.exception.InvalidCertificateRequestException;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificateRequest;
import dev.agentmanager.model.TrustBundle;
import dev.agentmanager.spi.CrlContent;
import dev.agentmanager.spi.IAgentCertificateService;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.PublicKey;
import java.security.SecureRandom;
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
import java.util.Set;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * A certificate authority on BouncyCastle: verifies PKCS#10 requests, issues short-lived agent client
 * certificates and signs revocation lists. It keeps no record of what it signed: the manager's store is the
 * one record of certificates and revocations, so every replica may hold its own instance over the same CA key
 * (from PKCS#12 or PEM files that each replica loads).
 *
 * <pre>{@code
 * BouncyCastleCertificateService ca = BouncyCastleCertificateService.builder()
 *         .caFromPkcs12(Path.of("/etc/orchestrator/agent-ca.p12"), password)   // the same file on every replica
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
 * <h2>Revocation lists</h2>
 * {@link #signCrl} signs exactly the content core gives it (entries, dates, number) with an
 * {@code authorityKeyIdentifier} and a {@code cRLNumber}; the manager's {@code currentCrl()} decides that
 * content from the store.
 *
 * <h2>A generated CA</h2>
 * Without a CA from PKCS#12 or PEM the builder generates a root, in memory, or in a
 * {@linkplain BouncyCastleCertificateServiceBuilder#generatedCaDirectory directory} whose key and chain the next
 * start (or another replica on the same machine) reads back: for development and demos.
 *
 * <h2>Cryptography</h2>
 * Requests are verified and certificates and CRLs signed with an explicit, unregistered
 * {@code BouncyCastleProvider} instance by default; the host's {@link java.security.Security} provider list is
 * never changed.
 *
 * <p>Thread-safe and stateless apart from its settings and CA material.
 */
public final class BouncyCastleCertificateService implements IAgentCertificateService {
    private static final System.Logger LOG = System.getLogger(BouncyCastleCertificateService.class.getName());

    /** Lifetime of an issued agent certificate: 24 hours. */
    public static final Duration DEFAULT_CERTIFICATE_LIFETIME = Duration.ofHours(24);
    /** How far {@code notBefore} is back-dated for clock skew: 5 minutes. */
    public static final Duration DEFAULT_CLOCK_SKEW_ALLOWANCE = Duration.ofMinutes(5);
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
    private final KeyPolicy keyPolicy;
    private final AgentIdentityUri identityUri;
    private final CaMaterial ca;
    private final TrustBundle trustBundle;
    private final RequestDecoder requests;
    private final CertificateSigner signer;

    /** The builder's settings with defaults filled in. */
    record Settings(
            Clock clock,
            Duration certificateLifetime,
            Duration clockSkewAllowance,
            KeyPolicy keyPolicy,
            int maxRequestSize,
            AgentIdentityUri identityUri) {}

    BouncyCastleCertificateService(Settings settings, CaMaterial ca) {
        this.clock = settings.clock();
        this.certificateLifetime = settings.certificateLifetime();
        this.keyPolicy = settings.keyPolicy();
        this.identityUri = settings.identityUri();
        this.ca = ca;
        this.requests = new RequestDecoder(keyPolicy, settings.maxRequestSize(), ca.provider());
        this.signer = new CertificateSigner(ca, settings.clockSkewAllowance(), new SecureRandom());
        this.trustBundle = new TrustBundle(Pem.write(ca.chain()), Digests.thumbprint(ca.root()));
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
     * @throws CertificateIssuanceException if the CA has expired or signing fails
     */
    @Override
    public AgentCertificate issue(String agentId, CertificateRequest request) {
        requireNonNull(agentId, "agentId");
        requireNonNull(request, "request");
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
        return new AgentCertificate(
                serialHex,
                thumbprint,
                agentId,
                validity.notBefore(),
                validity.notAfter(),
                Pem.encode(Pem.CERTIFICATE, der),
                null);
    }

    // ------------------------------------------------------------------------------------------- CRLs

    /**
     * {@inheritDoc}
     *
     * <p>Entries carry reason {@code unspecified}. The signature is not deterministic (ECDSA), the content is.
     *
     * @throws CertificateIssuanceException if signing fails
     */
    @Override
    public byte[] signCrl(CrlContent content) {
        requireNonNull(content, "content");
        try {
            X509v2CRLBuilder builder = new X509v2CRLBuilder(ca.subject(), Date.from(content.thisUpdate()));
            builder.setNextUpdate(Date.from(content.nextUpdate()));
            for (AgentCertificate revoked : content.revoked()) {
                builder.addCRLEntry(
                        new BigInteger(revoked.serial(), 16),
                        Date.from(requireNonNull(revoked.revokedAt(), "revokedAt")),
                        CRLReason.unspecified);
            }
            builder.addExtension(Extension.authorityKeyIdentifier, false, ca.authorityKeyIdentifier());
            builder.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(content.number())));
            return builder.build(ca.signer()).getEncoded();
        } catch (IOException | OperatorCreationException | RuntimeException e) {
            throw new CertificateIssuanceException("cannot sign the CRL", e);
        }
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
     * serverAuth}, {@code basicConstraints CA:false}. Server certificates are not agent certificates: nothing
     * records or revokes them.
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

    @Override
    public String toString() {
        return "BouncyCastleCertificateService[ca=" + ca.issuingCertificate().getSubjectX500Principal() + ", key="
                + ca.keyLabel() + ", root=" + trustBundle.rootSha256() + "]";
    }
}
