/**
 * agentmanager certificate authority on BouncyCastle: {@link dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService}
 * (CSR-based issuance, revocation, CRL, persistence), TLS helpers for the host's server, and a small
 * agent-side API in {@code dev.agentmanager.ca.bouncycastle.client}.
 */
module dev.agentmanager.ca.bouncycastle {
    requires transitive dev.agentmanager.core;
    requires org.bouncycastle.provider;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.util;
    requires static org.jspecify;

    exports dev.agentmanager.ca.bouncycastle;
    exports dev.agentmanager.ca.bouncycastle.client;
}
