package dev.agentmanager.spring;

import dev.agentmanager.HeartbeatSettings;
import dev.agentmanager.TokenSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code agentmanager.*} properties. Each record checks its values when bound, so a wrong setting stops the
 * application at start with a message naming the property (Boot reports the binding failure); the checks are the
 * library's own (its settings records), so no Bean Validation provider is needed.
 *
 * @param store where agents, tokens and certificate records live
 * @param ca the certificate authority that signs agents' certificates
 * @param heartbeat heartbeat interval, timeout and jitter, and the monitor's sweep interval
 * @param tokens registration token rules
 * @param server the agent connector (a second port on the embedded Tomcat)
 * @param proxy client certificates forwarded by a TLS-terminating proxy
 * @param health thresholds of the health indicator
 */
@ConfigurationProperties("agentmanager")
public record AgentManagerProperties(
        @DefaultValue Store store,
        @DefaultValue Ca ca,
        @DefaultValue Heartbeat heartbeat,
        @DefaultValue Tokens tokens,
        @DefaultValue Server server,
        @DefaultValue Proxy proxy,
        @DefaultValue Health health) {

    /** Which store the auto-configuration builds. */
    public enum StoreType {
        /** {@code InMemoryAgentStore}: tests and single-node hosts; state is lost on restart. */
        IN_MEMORY,
        /** {@code JdbcAgentStore} on the application's {@code DataSource} (needs agentmanager-store-jdbc). */
        JDBC
    }

    /**
     * @param type {@code in-memory} (default) or {@code jdbc}
     * @param tablePrefix JDBC table prefix, default {@code agentmanager_}
     * @param createSchemaIfMissing JDBC: create the tables at start when missing (default true; turn off when the
     *     host's Flyway or Liquibase owns the schema)
     * @param heartbeatFlushInterval JDBC: how often buffered heartbeats are written, default 1 s
     */
    public record Store(
            @DefaultValue("in-memory") StoreType type,
            @DefaultValue("agentmanager_") String tablePrefix,
            @DefaultValue("true") boolean createSchemaIfMissing,
            @Nullable Duration heartbeatFlushInterval) {
        public Store {
            if (tablePrefix.isEmpty()) {
                throw new IllegalArgumentException("agentmanager.store.table-prefix must not be empty");
            }
            if (heartbeatFlushInterval != null
                    && (heartbeatFlushInterval.isNegative() || heartbeatFlushInterval.isZero())) {
                throw new IllegalArgumentException("agentmanager.store.heartbeat-flush-interval must be positive");
            }
        }
    }

    /**
     * Unless the host defines its own certificate service bean, exactly one source: {@code pkcs12} (with {@code pkcs12-password}), {@code pem-chain} with {@code pem-key}, or
     * {@code generated-directory} (a CA generated on first start and kept there: for development only).
     *
     * @param pkcs12 a PKCS#12 key store holding the CA's key and chain
     * @param pkcs12Password its password
     * @param pkcs12Alias the entry to use when it holds several
     * @param pemChain the CA chain in PEM, issuing CA first, root last
     * @param pemKey the CA's private key in PEM
     * @param pemKeyPassword the key's password when it is encrypted
     * @param generatedDirectory where a generated development CA is kept
     * @param certificateLifetime lifetime of issued agent certificates, default 24 h
     */
    public record Ca(
            @Nullable Path pkcs12,
            @Nullable String pkcs12Password,
            @Nullable String pkcs12Alias,
            @Nullable Path pemChain,
            @Nullable Path pemKey,
            @Nullable String pemKeyPassword,
            @Nullable Path generatedDirectory,
            @Nullable Duration certificateLifetime) {
        public Ca {
            int sources = (pkcs12 != null ? 1 : 0)
                    + (pemChain != null || pemKey != null ? 1 : 0)
                    + (generatedDirectory != null ? 1 : 0);
            if (sources > 1) {
                throw new IllegalArgumentException("agentmanager.ca: set only one of pkcs12, pem-chain with pem-key,"
                        + " or generated-directory; found " + sources);
            }
            if (pkcs12 != null && pkcs12Password == null) {
                throw new IllegalArgumentException("agentmanager.ca.pkcs12-password is required with pkcs12");
            }
            if ((pemChain == null) != (pemKey == null)) {
                throw new IllegalArgumentException("agentmanager.ca.pem-chain and pem-key go together");
            }
            if (pkcs12 == null && (pkcs12Password != null || pkcs12Alias != null)) {
                throw new IllegalArgumentException("agentmanager.ca.pkcs12-password and pkcs12-alias need pkcs12");
            }
            if (pemKey == null && pemKeyPassword != null) {
                throw new IllegalArgumentException("agentmanager.ca.pem-key-password needs pem-key");
            }
        }

        /** Without the passwords. */
        @Override
        public String toString() {
            return "Ca[pkcs12=" + pkcs12 + ", pkcs12Alias=" + pkcs12Alias + ", pemChain=" + pemChain + ", pemKey="
                    + pemKey + ", generatedDirectory=" + generatedDirectory + ", certificateLifetime="
                    + certificateLifetime + "]";
        }
    }

    /**
     * @param interval how often agents are told to send heartbeats, default 30 s
     * @param timeout silence after which an agent is marked inactive, default 90 s (more than the interval)
     * @param jitter spread of the interval told to agents, in [0, 0.5), default 0.1
     * @param sweepInterval time between the monitor's sweeps, default 1 s (less than the timeout)
     */
    public record Heartbeat(
            @DefaultValue("30s") Duration interval,
            @DefaultValue("90s") Duration timeout,
            @DefaultValue("0.1") double jitter,
            @DefaultValue("1s") Duration sweepInterval) {
        public Heartbeat {
            settingsOf(interval, timeout, jitter);
            if (sweepInterval.isNegative() || sweepInterval.isZero() || sweepInterval.compareTo(timeout) >= 0) {
                throw new IllegalArgumentException(
                        "agentmanager.heartbeat.sweep-interval must be positive and less than the timeout");
            }
        }

        /** As the manager's settings. */
        public HeartbeatSettings settings() {
            return settingsOf(interval, timeout, jitter);
        }

        private static HeartbeatSettings settingsOf(Duration interval, Duration timeout, double jitter) {
            try {
                return new HeartbeatSettings(interval, timeout, jitter);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("agentmanager.heartbeat: " + e.getMessage()); // names the property
            }
        }
    }

    /**
     * @param defaultTimeToLive lifetime of a token whose request names none, default 24 h
     * @param maxTimeToLive the longest lifetime an operator may ask for, default 30 d
     * @param maxUses the most registrations one token may allow, default 10,000
     * @param maxFailedAttempts wrong secrets before a token locks, default 5
     * @param retryGrace how long a retried registration gets the same agent back, default 5 min
     * @param retention how long spent tokens are kept before pruning, default 7 d
     */
    public record Tokens(
            @DefaultValue("24h") Duration defaultTimeToLive,
            @DefaultValue("30d") Duration maxTimeToLive,
            @DefaultValue("10000") int maxUses,
            @DefaultValue("5") int maxFailedAttempts,
            @DefaultValue("5m") Duration retryGrace,
            @DefaultValue("7d") Duration retention) {
        public Tokens {
            settingsOf(defaultTimeToLive, maxTimeToLive, maxUses, maxFailedAttempts, retryGrace, retention);
        }

        /** As the manager's settings. */
        public TokenSettings settings() {
            return settingsOf(defaultTimeToLive, maxTimeToLive, maxUses, maxFailedAttempts, retryGrace, retention);
        }

        private static TokenSettings settingsOf(
                Duration ttl, Duration maxTtl, int maxUses, int maxFailed, Duration grace, Duration retention) {
            try {
                return new TokenSettings(
                        ttl, maxTtl, maxUses, maxFailed, grace, retention, TokenSettings.DEFAULT_PRUNE_BATCH_SIZE);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("agentmanager.tokens: " + e.getMessage()); // names the property
            }
        }
    }

    /**
     * @param agentPort the agent connector's port (0: any free port); unset: no agent connector
     * @param agentAddress the address it binds to; unset: every address
     * @param names DNS names and IP addresses of the server certificate issued for it, default {@code localhost}
     *     and {@code 127.0.0.1}
     * @param certificateChain the agent connector's own certificate chain in PEM instead of one issued at start
     * @param privateKey its private key in PEM
     * @param certificateLifetime lifetime of the server certificate issued at start, default 90 d
     */
    public record Server(
            @Nullable Integer agentPort,
            @Nullable String agentAddress,
            @DefaultValue({"localhost", "127.0.0.1"}) List<String> names,
            @Nullable Path certificateChain,
            @Nullable Path privateKey,
            @DefaultValue("90d") Duration certificateLifetime) {
        public Server {
            if (agentPort != null && (agentPort < 0 || agentPort > 65535)) {
                throw new IllegalArgumentException(
                        "agentmanager.server.agent-port must be 0 to 65535, got " + agentPort);
            }
            if ((certificateChain == null) != (privateKey == null)) {
                throw new IllegalArgumentException("agentmanager.server.certificate-chain and private-key go together");
            }
            if (certificateChain == null && names.isEmpty()) {
                throw new IllegalArgumentException("agentmanager.server.names must name the agent connector's host");
            }
            if (certificateLifetime.isNegative() || certificateLifetime.isZero()) {
                throw new IllegalArgumentException("agentmanager.server.certificate-lifetime must be positive");
            }
            names = List.copyOf(names);
        }
    }

    /**
     * @param trustedAddresses addresses (or CIDR ranges) of the proxies whose forwarded client certificate is
     *     believed; empty (default): no forwarded certificate is believed
     * @param clientCertificateHeader the header carrying the URL-encoded PEM certificate, default
     *     {@code ssl-client-cert}
     */
    public record Proxy(
            @DefaultValue List<String> trustedAddresses,
            @DefaultValue("ssl-client-cert") String clientCertificateHeader) {
        public Proxy {
            trustedAddresses = List.copyOf(trustedAddresses);
            TrustedProxies.parse(trustedAddresses); // fails on a malformed entry
            if (clientCertificateHeader.isBlank()) {
                throw new IllegalArgumentException("agentmanager.proxy.client-certificate-header must not be blank");
            }
        }
    }

    /**
     * @param caExpiryWarning the indicator is down once a CA certificate expires within this, default 14 d
     * @param missedSweeps the indicator is down once the last sweep is this many sweep intervals old, default 3
     * @param missedFlushes JDBC: down once heartbeats are buffered and the last flush is this many flush
     *     intervals old, default 5
     */
    public record Health(
            @DefaultValue("14d") Duration caExpiryWarning,
            @DefaultValue("3") int missedSweeps,
            @DefaultValue("5") int missedFlushes) {
        public Health {
            if (caExpiryWarning.isNegative()) {
                throw new IllegalArgumentException("agentmanager.health.ca-expiry-warning must not be negative");
            }
            if (missedSweeps < 1 || missedFlushes < 1) {
                throw new IllegalArgumentException("agentmanager.health.missed-sweeps and missed-flushes must be >= 1");
            }
        }
    }
}
