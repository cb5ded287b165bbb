/**
 * The agent's side: generate a key pair and a certificate signing request
 * ({@link dev.agentmanager.ca.bouncycastle.client.AgentKeys}), then build an {@link javax.net.ssl.SSLContext}
 * from the private key, the issued certificate and the trust bundle
 * ({@link dev.agentmanager.ca.bouncycastle.client.AgentTls}). The private key never leaves the agent.
 *
 * <pre>{@code
 * KeyPair keys = AgentKeys.generate();                        // EC P-256
 * String csr = AgentKeys.csrPem(keys, "build-host-17");       // send with the registration token
 * // ... registration answers with the certificate PEM and the trust bundle
 * AgentTls.verifyPin(bundlePem, pinFromToken);                // first contact: check the CA pin
 * SSLContext tls = AgentTls.sslContext(keys.getPrivate(), certificatePem, bundlePem);
 * }</pre>
 *
 * <p>Everything here uses the JDK's own providers for keys and TLS; BouncyCastle only encodes the request.
 */
@NullMarked
package dev.agentmanager.ca.bouncycastle.client;

import org.jspecify.annotations.NullMarked;
