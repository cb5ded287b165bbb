package dev.agentmanager.ca.bouncycastle.client;

import dev.agentmanager.ca.bouncycastle.ServerTls;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A one-line echo server on 127.0.0.1 (ephemeral port) that requires client certificates. For each
 * connection it records either the peer's subject or the exception that ended the handshake.
 */
final class LoopbackTlsServer implements AutoCloseable {
    private final SSLServerSocket socket;
    private final ExecutorService acceptor = Executors.newSingleThreadExecutor();
    private final BlockingQueue<Object> outcomes = new LinkedBlockingQueue<>();

    LoopbackTlsServer(SSLContext context) throws IOException {
        socket = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
        socket.setSSLParameters(ServerTls.sslParameters(context));
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        acceptor.submit(this::serve);
    }

    int port() {
        return socket.getLocalPort();
    }

    /** The next connection's outcome: the client's subject, or the exception that refused it. */
    Object nextOutcome() throws InterruptedException {
        Object outcome = outcomes.poll(10, TimeUnit.SECONDS);
        if (outcome == null) {
            throw new AssertionError("the server saw no connection within 10 s");
        }
        return outcome;
    }

    private void serve() {
        while (!socket.isClosed()) {
            try (SSLSocket connection = (SSLSocket) socket.accept()) {
                connection.setSoTimeout(5_000);
                try {
                    connection.startHandshake();
                    String peer = connection.getSession().getPeerPrincipal().getName();
                    BufferedReader in = new BufferedReader(
                            new InputStreamReader(connection.getInputStream(), StandardCharsets.UTF_8));
                    String line = in.readLine();
                    Writer out = new OutputStreamWriter(connection.getOutputStream(), StandardCharsets.UTF_8);
                    out.write("hello " + peer + " you said " + line + "\n");
                    out.flush();
                    outcomes.add(peer);
                } catch (IOException e) {
                    outcomes.add(e);
                }
            } catch (SocketException closed) {
                return;
            } catch (IOException e) {
                outcomes.add(e);
            }
        }
    }

    @Override
    public void close() throws Exception {
        socket.close();
        acceptor.shutdownNow();
        acceptor.awaitTermination(10, TimeUnit.SECONDS);
    }
}
