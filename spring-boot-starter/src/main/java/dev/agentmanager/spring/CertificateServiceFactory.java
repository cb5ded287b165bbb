package dev.agentmanager.spring;

import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService;
import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateServiceBuilder;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;

/** The BouncyCastle CA from {@code agentmanager.ca.*}. */
final class CertificateServiceFactory {
    private static final System.Logger LOG = System.getLogger(CertificateServiceFactory.class.getName());

    private CertificateServiceFactory() {}

    static BouncyCastleCertificateService create(AgentManagerProperties.Ca ca) {
        BouncyCastleCertificateServiceBuilder builder = BouncyCastleCertificateService.builder();
        Duration lifetime = ca.certificateLifetime();
        if (lifetime != null) {
            builder.certificateLifetime(lifetime);
        }
        Path pkcs12 = ca.pkcs12();
        Path pemChain = ca.pemChain();
        Path pemKey = ca.pemKey();
        Path generated = ca.generatedDirectory();
        String pkcs12Password = ca.pkcs12Password();
        String pkcs12Alias = ca.pkcs12Alias();
        String pemKeyPassword = ca.pemKeyPassword();
        if (pkcs12 != null && pkcs12Password != null) {
            if (pkcs12Alias != null) {
                builder.caFromPkcs12(pkcs12, pkcs12Password.toCharArray(), pkcs12Alias);
            } else {
                builder.caFromPkcs12(pkcs12, pkcs12Password.toCharArray());
            }
        } else if (pemChain != null && pemKey != null) {
            if (pemKeyPassword != null) {
                builder.caFromPem(pemChain, pemKey, pemKeyPassword.toCharArray());
            } else {
                builder.caFromPem(pemChain, pemKey);
            }
        } else if (generated != null) {
            LOG.log(
                    Level.WARNING,
                    "agentmanager: using a GENERATED DEVELOPMENT CA kept in {0}. For development only: in production"
                            + " load the CA from agentmanager.ca.pkcs12 or agentmanager.ca.pem-chain/pem-key, the"
                            + " same files on every replica",
                    generated.toAbsolutePath());
            builder.generatedCaDirectory(generated);
        } else {
            throw new IllegalStateException("agentmanager.ca: no certificate authority configured. Set"
                    + " agentmanager.ca.pkcs12 (with pkcs12-password), agentmanager.ca.pem-chain with pem-key, or,"
                    + " for development, agentmanager.ca.generated-directory; or define an IAgentCertificateService"
                    + " bean");
        }
        return builder.build();
    }
}
