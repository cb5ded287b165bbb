/**
 * A certificate authority for agentmanager on BouncyCastle.
 *
 * <p>{@link dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService} implements
 * {@link dev.agentmanager.spi.IAgentCertificateService}: it verifies PKCS#10 requests, issues short-lived
 * client certificates whose identity the server decides, revokes them, keeps a signed CRL current and can
 * persist its key and its ledger of issued and revoked certificates.
 * {@link dev.agentmanager.ca.bouncycastle.ServerTls} builds the host's TLS server side (client
 * certificates required, revoked agents refused in the handshake); {@link dev.agentmanager.ca.bouncycastle.Pem}
 * reads and writes PEM. The agent side lives in {@link dev.agentmanager.ca.bouncycastle.client}.
 *
 * <p>The BouncyCastle provider is used through an explicit, unregistered instance: nothing here calls
 * {@link java.security.Security#addProvider}.
 */
@NullMarked
package dev.agentmanager.ca.bouncycastle;

import org.jspecify.annotations.NullMarked;
