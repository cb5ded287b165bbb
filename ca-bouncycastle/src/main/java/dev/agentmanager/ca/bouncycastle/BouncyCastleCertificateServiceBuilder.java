package dev.agentmanager.ca.bouncycastle;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.ca.bouncycastle.internal.Bc;
import dev.agentmanager.ca.bouncycastle.internal.CaFiles;
import dev.agentmanager.ca.bouncycastle.internal.CaMaterial;
import dev.agentmanager.ca.bouncycastle.internal.Digests;
import dev.agentmanager.ca.bouncycastle.internal.KeyPolicy;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.security.Provider;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Settings for a {@link BouncyCastleCertificateService}. Every setting may be given at most once; null
 * is refused at once; {@link #build()} checks the combination.
 *
 * <p>The CA comes from exactly one of: {@link #caFromPkcs12}, {@link #caFromPem} (what replicas in production
 * use: the same files on each), or (neither) a generated root, which is written to and later read from the
 * {@link #generatedCaDirectory} when one is set.
 * {@link #caKeyType}, {@link #caSubject} and {@link #caValidity} apply only to a generated root.
 */
public final class BouncyCastleCertificateServiceBuilder {
    private static final System.Logger LOG = System.getLogger(BouncyCastleCertificateService.class.getName());

    private @Nullable Clock clock;
    private @Nullable Duration certificateLifetime;
    private @Nullable Duration clockSkewAllowance;
    private @Nullable KeyType caKeyType;
    private @Nullable String caSubject;
    private @Nullable Duration caValidity;
    private @Nullable Path pkcs12File;
    private char @Nullable [] pkcs12Password;
    private @Nullable String pkcs12Alias;
    private @Nullable Path pemChainFile;
    private @Nullable Path pemKeyFile;
    private char @Nullable [] pemKeyPassword;
    private @Nullable Path generatedCaDirectory;
    private @Nullable Set<AgentKeyAlgorithm> agentKeyAlgorithms;
    private @Nullable Integer minimumRsaKeySize;
    private @Nullable Integer maxRequestSize;
    private @Nullable AgentIdentityUri identityUri;
    private @Nullable Provider cryptoProvider;

    BouncyCastleCertificateServiceBuilder() {}

    /** The clock for validity periods. Default {@link Clock#systemUTC()}. */
    public BouncyCastleCertificateServiceBuilder clock(Clock clock) {
        requireUnset(this.clock, "clock");
        this.clock = requireNonNull(clock, "clock");
        return this;
    }

    /** Lifetime of issued agent certificates, 1 minute to 397 days. Default {@link BouncyCastleCertificateService#DEFAULT_CERTIFICATE_LIFETIME}. */
    public BouncyCastleCertificateServiceBuilder certificateLifetime(Duration lifetime) {
        requireUnset(this.certificateLifetime, "certificateLifetime");
        requireRange(lifetime, "certificateLifetime", Duration.ofMinutes(1), Duration.ofDays(397));
        this.certificateLifetime = lifetime;
        return this;
    }

    /**
     * How far back {@code notBefore} is dated so that agents whose
     * clocks lag accept them, 0 to 1 hour. Default {@link BouncyCastleCertificateService#DEFAULT_CLOCK_SKEW_ALLOWANCE}.
     */
    public BouncyCastleCertificateServiceBuilder clockSkewAllowance(Duration allowance) {
        requireUnset(this.clockSkewAllowance, "clockSkewAllowance");
        requireRange(allowance, "clockSkewAllowance", Duration.ZERO, Duration.ofHours(1));
        this.clockSkewAllowance = allowance;
        return this;
    }

    /** Key of a generated root. Default {@link BouncyCastleCertificateService#DEFAULT_CA_KEY_TYPE}. */
    public BouncyCastleCertificateServiceBuilder caKeyType(KeyType keyType) {
        requireUnset(this.caKeyType, "caKeyType");
        this.caKeyType = requireNonNull(keyType, "keyType");
        return this;
    }

    /**
     * Subject of a generated root, an RFC 4514 distinguished name such as
     * {@code CN=Orchestrator CA,O=Example}. Default {@link BouncyCastleCertificateService#DEFAULT_CA_SUBJECT}.
     */
    public BouncyCastleCertificateServiceBuilder caSubject(String subjectDn) {
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

    /** Validity of a generated root, 1 hour to 100 years. Default {@link BouncyCastleCertificateService#DEFAULT_CA_VALIDITY}. */
    public BouncyCastleCertificateServiceBuilder caValidity(Duration validity) {
        requireUnset(this.caValidity, "caValidity");
        requireRange(validity, "caValidity", Duration.ofHours(1), Duration.ofDays(36525));
        this.caValidity = validity;
        return this;
    }

    /**
     * Loads the CA from a PKCS#12 key store holding exactly one private-key entry (with its chain,
     * issuing CA first).
     */
    public BouncyCastleCertificateServiceBuilder caFromPkcs12(Path file, char[] password) {
        requireNoCaSource();
        this.pkcs12File = requireNonNull(file, "file");
        this.pkcs12Password = requireNonNull(password, "password").clone();
        return this;
    }

    /** Loads the CA from the entry {@code alias} of a PKCS#12 key store. */
    public BouncyCastleCertificateServiceBuilder caFromPkcs12(Path file, char[] password, String alias) {
        requireNonNull(alias, "alias");
        caFromPkcs12(file, password);
        this.pkcs12Alias = alias;
        return this;
    }

    /**
     * Loads the CA from PEM files: the chain (issuing CA first, root last) and its unencrypted private
     * key (PKCS#8, or traditional EC/RSA).
     */
    public BouncyCastleCertificateServiceBuilder caFromPem(Path certificateChain, Path privateKey) {
        requireNoCaSource();
        this.pemChainFile = requireNonNull(certificateChain, "certificateChain");
        this.pemKeyFile = requireNonNull(privateKey, "privateKey");
        return this;
    }

    /** Loads the CA from PEM files whose private key is encrypted with {@code keyPassword}. */
    public BouncyCastleCertificateServiceBuilder caFromPem(Path certificateChain, Path privateKey, char[] keyPassword) {
        requireNonNull(keyPassword, "keyPassword");
        caFromPem(certificateChain, privateKey);
        this.pemKeyPassword = keyPassword.clone();
        return this;
    }

    /**
     * Where a generated root's key and chain are kept ({@code ca-key.pem}, owner-only, and {@code ca-chain.pem}),
     * so that the next start, or another replica on this machine, uses the same CA: the first build generates
     * them (under a file lock, so racing processes agree), later builds read them. Created if missing. For
     * development and demos; protect it like the CA key it holds. Default: none, a root generated in memory.
     */
    public BouncyCastleCertificateServiceBuilder generatedCaDirectory(Path directory) {
        requireUnset(this.generatedCaDirectory, "generatedCaDirectory");
        this.generatedCaDirectory = requireNonNull(directory, "directory");
        return this;
    }

    /** Agent key kinds accepted in requests, not empty. Default {@link BouncyCastleCertificateService#DEFAULT_AGENT_KEY_ALGORITHMS}. */
    public BouncyCastleCertificateServiceBuilder agentKeyAlgorithms(Set<AgentKeyAlgorithm> algorithms) {
        requireUnset(this.agentKeyAlgorithms, "agentKeyAlgorithms");
        requireNonNull(algorithms, "algorithms");
        if (algorithms.isEmpty()) {
            throw new IllegalArgumentException("agentKeyAlgorithms must not be empty");
        }
        this.agentKeyAlgorithms = Collections.unmodifiableSet(EnumSet.copyOf(algorithms));
        return this;
    }

    /** Smallest RSA agent key, 2048 to 8192 bits. Default {@link BouncyCastleCertificateService#DEFAULT_MINIMUM_RSA_KEY_SIZE}. */
    public BouncyCastleCertificateServiceBuilder minimumRsaKeySize(int bits) {
        requireUnset(this.minimumRsaKeySize, "minimumRsaKeySize");
        if (bits < 2048 || bits > KeyPolicy.MAX_RSA_BITS) {
            throw new IllegalArgumentException(
                    "minimumRsaKeySize must be 2048 to " + KeyPolicy.MAX_RSA_BITS + ", got " + bits);
        }
        this.minimumRsaKeySize = bits;
        return this;
    }

    /** Largest request accepted, 1 KiB to 1 MiB. Default {@link BouncyCastleCertificateService#DEFAULT_MAX_REQUEST_SIZE}. */
    public BouncyCastleCertificateServiceBuilder maxRequestSize(int bytes) {
        requireUnset(this.maxRequestSize, "maxRequestSize");
        if (bytes < 1024 || bytes > 1024 * 1024) {
            throw new IllegalArgumentException("maxRequestSize must be 1024 to 1048576 bytes, got " + bytes);
        }
        this.maxRequestSize = bytes;
        return this;
    }

    /** The URI subject alternative name of issued certificates. Default {@link AgentIdentityUri#urn()}. */
    public BouncyCastleCertificateServiceBuilder identityUri(AgentIdentityUri identityUri) {
        requireUnset(this.identityUri, "identityUri");
        this.identityUri = requireNonNull(identityUri, "identityUri");
        return this;
    }

    /**
     * The JCA provider that verifies requests and signs certificates and CRLs. Default: a
     * {@code BouncyCastleProvider} instance (not registered globally). Another provider (e.g. the
     * JDK's {@code SunEC}, or a FIPS provider) must support the CA's key and every accepted agent key.
     */
    public BouncyCastleCertificateServiceBuilder cryptoProvider(Provider provider) {
        requireUnset(this.cryptoProvider, "cryptoProvider");
        this.cryptoProvider = requireNonNull(provider, "provider");
        return this;
    }

    /**
     * Loads or generates the CA and returns the authority.
     *
     * @throws IllegalStateException if generated-root settings are combined with a loaded CA, or a generated CA
     *     directory holds a CA of another key type or only half of one
     * @throws IllegalArgumentException if the CA material is unusable (not a CA, key does not match,
     *     wrong password, broken chain)
     * @throws UncheckedIOException if files cannot be read or written
     */
    public BouncyCastleCertificateService build() {
        boolean loaded = pkcs12File != null || pemChainFile != null;
        if (loaded && (caKeyType != null || caSubject != null || caValidity != null || generatedCaDirectory != null)) {
            throw new IllegalStateException("caKeyType, caSubject, caValidity and generatedCaDirectory apply only to a "
                    + "generated CA, not to one loaded from " + (pkcs12File != null ? "PKCS#12" : "PEM"));
        }
        Clock clock = this.clock != null ? this.clock : Clock.systemUTC();
        Duration lifetime = certificateLifetime != null
                ? certificateLifetime
                : BouncyCastleCertificateService.DEFAULT_CERTIFICATE_LIFETIME;
        Duration skew = clockSkewAllowance != null
                ? clockSkewAllowance
                : BouncyCastleCertificateService.DEFAULT_CLOCK_SKEW_ALLOWANCE;
        BouncyCastleCertificateService.Settings settings = new BouncyCastleCertificateService.Settings(
                clock,
                lifetime,
                skew,
                new KeyPolicy(
                        agentKeyAlgorithms != null
                                ? agentKeyAlgorithms
                                : BouncyCastleCertificateService.DEFAULT_AGENT_KEY_ALGORITHMS,
                        minimumRsaKeySize != null
                                ? minimumRsaKeySize
                                : BouncyCastleCertificateService.DEFAULT_MINIMUM_RSA_KEY_SIZE),
                maxRequestSize != null ? maxRequestSize : BouncyCastleCertificateService.DEFAULT_MAX_REQUEST_SIZE,
                identityUri != null ? identityUri : AgentIdentityUri.urn());
        Provider provider = cryptoProvider != null ? cryptoProvider : Bc.provider();
        CaMaterial ca = caMaterial(provider, clock.instant(), skew);
        Instant now = clock.instant();
        if (!now.isBefore(ca.notAfter())) {
            LOG.log(Level.ERROR, "CA certificate expired at {0}: no certificate can be issued", ca.notAfter());
        } else if (now.plus(lifetime).isAfter(ca.notAfter())) {
            LOG.log(
                    Level.WARNING,
                    "CA certificate expires at {0}: certificates issued now are cut short",
                    ca.notAfter());
        }
        return new BouncyCastleCertificateService(settings, ca);
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
        Path directory = generatedCaDirectory;
        if (directory == null) {
            return generate(provider, now, skew);
        }
        return CaFiles.underLock(directory, () -> {
            if (CaFiles.hasCa(directory)) {
                CaFiles.Loaded loaded = CaFiles.fromDirectory(directory);
                CaMaterial ca = CaMaterial.of(loaded.chain(), loaded.key(), provider);
                if (caKeyType != null && !caKeyType.label().equals(ca.keyLabel())) {
                    throw new IllegalStateException("directory " + directory + " holds a " + ca.keyLabel()
                            + " CA, but caKeyType is " + caKeyType.label());
                }
                return ca;
            }
            CaMaterial ca = generate(provider, now, skew);
            CaFiles.writeToDirectory(directory, ca.chain(), ca.privateKey());
            LOG.log(
                    Level.INFO,
                    "generated a {0} CA in {1}, root SHA-256 {2}",
                    ca.keyLabel(),
                    directory,
                    Digests.thumbprint(ca.root()));
            return ca;
        });
    }

    private CaMaterial generate(Provider provider, Instant now, Duration skew) {
        KeyType keyType = caKeyType != null ? caKeyType : BouncyCastleCertificateService.DEFAULT_CA_KEY_TYPE;
        return CaMaterial.generate(
                keyType.generateKeyPair(),
                caSubject != null ? caSubject : BouncyCastleCertificateService.DEFAULT_CA_SUBJECT,
                now,
                skew,
                caValidity != null ? caValidity : BouncyCastleCertificateService.DEFAULT_CA_VALIDITY,
                provider,
                new SecureRandom());
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
