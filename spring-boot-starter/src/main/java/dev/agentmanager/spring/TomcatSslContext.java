package dev.agentmanager.spring;

import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.apache.tomcat.util.net.SSLContext;

/**
 * Hands Tomcat a ready JSSE context ({@code SSLHostConfigCertificate.setSslContext}): Tomcat then takes its
 * engines from it instead of building a context from key store files, so the handshake runs the context's trust
 * manager ({@code ServerTls.agentTrustManager}). Tomcat's own JSSE adapter for this is package-private, hence
 * this one.
 */
final class TomcatSslContext implements SSLContext {
    private final javax.net.ssl.SSLContext context;
    private final X509Certificate[] chain;
    private final X509TrustManager trust;

    TomcatSslContext(javax.net.ssl.SSLContext context, List<X509Certificate> chain, X509TrustManager trust) {
        this.context = context;
        this.chain = chain.toArray(X509Certificate[]::new);
        this.trust = trust;
    }

    /** Already initialised with the server's key and the agents' trust manager: nothing to do. */
    @Override
    public void init(KeyManager[] kms, TrustManager[] tms, SecureRandom sr) throws KeyManagementException {}

    @Override
    public void destroy() {}

    @Override
    public SSLSessionContext getServerSessionContext() {
        return context.getServerSessionContext();
    }

    @Override
    public SSLEngine createSSLEngine() {
        return context.createSSLEngine();
    }

    @Override
    public SSLServerSocketFactory getServerSocketFactory() {
        return context.getServerSocketFactory();
    }

    @Override
    public SSLParameters getSupportedSSLParameters() {
        return context.getSupportedSSLParameters();
    }

    /** The one identity this context presents, whatever the alias. */
    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return chain.clone();
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return trust.getAcceptedIssuers();
    }
}
