package dev.agentmanager.spring;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService;
import dev.agentmanager.ca.bouncycastle.KeyType;
import dev.agentmanager.ca.bouncycastle.Pem;
import dev.agentmanager.spi.IAgentCertificateService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The key and certificate chain the agent connector presents. Agents trust only the agent CA's bundle, so the
 * certificate must chain to it: by default one is issued by the CA at start for {@code agentmanager.server.names}
 * (a fresh key each start, never written to disk), else it is read from PEM files.
 *
 * @param key the private key
 * @param chain leaf first
 */
record AgentServerIdentity(PrivateKey key, List<X509Certificate> chain) {
    private static final Pattern IP_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}|.*:.*");

    AgentServerIdentity {
        requireNonNull(key, "key");
        chain = List.copyOf(chain);
    }

    static AgentServerIdentity of(AgentManagerProperties.Server server, IAgentCertificateService ca) {
        Path chainFile = server.certificateChain();
        Path keyFile = server.privateKey();
        if (chainFile != null && keyFile != null) {
            try {
                return new AgentServerIdentity(
                        Pem.readPrivateKey(Files.readString(keyFile, StandardCharsets.US_ASCII)),
                        Pem.readCertificates(Files.readString(chainFile, StandardCharsets.US_ASCII)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the agent connector's certificate or key", e);
            }
        }
        if (!(ca instanceof BouncyCastleCertificateService authority)) {
            throw new IllegalStateException(
                    "agentmanager.server.certificate-chain and private-key are required when"
                            + " the certificate service is not the BouncyCastle CA (it cannot issue the connector's certificate)");
        }
        Set<String> dnsNames = new LinkedHashSet<>();
        Set<InetAddress> addresses = new LinkedHashSet<>();
        for (String name : server.names()) {
            if (IP_LITERAL.matcher(name).matches()) {
                try {
                    addresses.add(InetAddress.getByName(name)); // a literal: parsed, not looked up
                } catch (UnknownHostException e) {
                    throw new IllegalArgumentException("agentmanager.server.names: bad address '" + name + "'", e);
                }
            } else {
                dnsNames.add(name);
            }
        }
        KeyPair keys = KeyType.EC_P256.generateKeyPair();
        X509Certificate leaf =
                authority.issueServerCertificate(keys.getPublic(), dnsNames, addresses, server.certificateLifetime());
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(leaf);
        for (X509Certificate certificate : authority.caCertificates()) {
            if (!certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
                chain.add(certificate); // intermediates; the root is the agents' own anchor
            }
        }
        return new AgentServerIdentity(keys.getPrivate(), chain);
    }
}
