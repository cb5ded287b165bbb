package dev.agentmanager.model;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An agent's request to register. Build with {@link #builder()}.
 *
 * @param token the registration token's plaintext, {@code <id>.<secret>}
 * @param csr the agent's PKCS#10 certificate signing request, PEM or DER (copied in and out)
 * @param name a human-readable name for the agent
 * @param capabilities what the agent can run
 * @param labels labels the agent asks for; the token's scope labels win on conflict
 * @param agentVersion the agent software's version, or {@code null}
 * @param remoteAddress the address the host saw the request come from (recorded with the token's
 *     redemption), or {@code null}
 */
public record RegistrationRequest(
        String token,
        byte[] csr,
        String name,
        Set<Capability> capabilities,
        Map<String, String> labels,
        @Nullable String agentVersion,
        @Nullable String remoteAddress) {

    public RegistrationRequest {
        requireNonNull(token, "token");
        csr = requireNonNull(csr, "csr").clone();
        requireNonNull(name, "name");
        capabilities = Set.copyOf(requireNonNull(capabilities, "capabilities"));
        labels = Map.copyOf(requireNonNull(labels, "labels"));
    }

    @Override
    public byte[] csr() {
        return csr.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RegistrationRequest r
                && token.equals(r.token)
                && Arrays.equals(csr, r.csr)
                && name.equals(r.name)
                && capabilities.equals(r.capabilities)
                && labels.equals(r.labels)
                && java.util.Objects.equals(agentVersion, r.agentVersion)
                && java.util.Objects.equals(remoteAddress, r.remoteAddress);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(
                token, Arrays.hashCode(csr), name, capabilities, labels, agentVersion, remoteAddress);
    }

    /** Never prints the token. */
    @Override
    public String toString() {
        return "RegistrationRequest[name=" + name + ", capabilities=" + capabilities + ", labels=" + labels
                + ", agentVersion=" + agentVersion + ", remoteAddress=" + remoteAddress + "]";
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder for {@link RegistrationRequest}. {@code token}, {@code csr} and {@code name} are required. */
    public static final class Builder {
        private @Nullable String token;
        private byte @Nullable [] csr;
        private @Nullable String name;
        private final Set<Capability> capabilities = new LinkedHashSet<>();
        private final Map<String, String> labels = new LinkedHashMap<>();
        private @Nullable String agentVersion;
        private @Nullable String remoteAddress;

        private Builder() {}

        public Builder token(String token) {
            this.token = requireNonNull(token, "token");
            return this;
        }

        /** The certificate signing request, PEM or DER. */
        public Builder csr(byte[] csr) {
            this.csr = requireNonNull(csr, "csr").clone();
            return this;
        }

        /** The certificate signing request in PEM. */
        public Builder csrPem(String pem) {
            return csr(requireNonNull(pem, "pem").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }

        public Builder name(String name) {
            this.name = requireNonNull(name, "name");
            return this;
        }

        public Builder capability(Capability capability) {
            capabilities.add(requireNonNull(capability, "capability"));
            return this;
        }

        public Builder capability(String name) {
            return capability(Capability.of(name));
        }

        public Builder capability(String name, String version) {
            return capability(Capability.of(name, version));
        }

        public Builder label(String key, String value) {
            labels.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
            return this;
        }

        public Builder agentVersion(String agentVersion) {
            this.agentVersion = requireNonNull(agentVersion, "agentVersion");
            return this;
        }

        public Builder remoteAddress(String remoteAddress) {
            this.remoteAddress = requireNonNull(remoteAddress, "remoteAddress");
            return this;
        }

        /** @throws IllegalStateException if token, csr or name is missing */
        public RegistrationRequest build() {
            if (token == null || csr == null || name == null) {
                throw new IllegalStateException("token, csr and name are required");
            }
            return new RegistrationRequest(token, csr, name, capabilities, labels, agentVersion, remoteAddress);
        }
    }
}
