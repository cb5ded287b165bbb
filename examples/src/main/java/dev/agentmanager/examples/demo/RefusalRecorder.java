package dev.agentmanager.examples.demo;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/** Delegates to {@link dev.agentmanager.ca.bouncycastle.ServerTls}'s trust manager and records whom it refused (an audit trail). */
final class RefusalRecorder extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager delegate;
    private final Consumer<DemoOrchestrator.RefusedHandshake> refusals;

    RefusalRecorder(X509ExtendedTrustManager delegate, Consumer<DemoOrchestrator.RefusedHandshake> refusals) {
        this.delegate = delegate;
        this.refusals = refusals;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        try {
            delegate.checkClientTrusted(chain, authType, engine);
        } catch (CertificateException e) {
            throw record(chain, e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        try {
            delegate.checkClientTrusted(chain, authType, socket);
        } catch (CertificateException e) {
            throw record(chain, e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        try {
            delegate.checkClientTrusted(chain, authType);
        } catch (CertificateException e) {
            throw record(chain, e);
        }
    }

    private CertificateException record(X509Certificate[] chain, CertificateException e) {
        if (chain.length > 0) {
            String subject = chain[0].getSubjectX500Principal().getName();
            refusals.accept(new DemoOrchestrator.RefusedHandshake(
                    Instant.now(),
                    subject.startsWith("CN=") ? subject.substring(3) : null,
                    chain[0].getSerialNumber().toString(16),
                    String.valueOf(e.getMessage())));
        }
        return e;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        delegate.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        delegate.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }
}
