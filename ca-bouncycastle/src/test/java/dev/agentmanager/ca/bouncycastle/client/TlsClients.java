package dev.agentmanager.ca.bouncycastle.client;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentmanager.ca.bouncycastle.ServerTls;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/** Real non-Java TLS clients run as processes, and a minimal HTTPS server on 127.0.0.1 for them to talk to. */
final class TlsClients {
    private static final long TIMEOUT_SECONDS = 20;
    private static final String REQUEST = "GET / HTTP/1.0\r\n\r\n";
    private static volatile String pythonPath;

    private TlsClients() {}

    /** What a client process printed (stdout and stderr) and how it ended. */
    record Outcome(int exitCode, String output) {
        boolean succeeded() {
            return exitCode == 0;
        }
    }

    /** An agent's certificate and private key as PEM files. */
    record Identity(Path certificate, Path key) {}

    static void assumeInstalled(String binary) {
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            found |= !dir.isEmpty() && Files.isExecutable(Path.of(dir, binary));
        }
        assumeTrue(found, binary + " is not on the PATH");
    }

    static Outcome run(List<String> command, String stdin) throws IOException, InterruptedException {
        // a file rather than a pipe: a client that hangs cannot block the test on a full pipe
        Path output = Files.createTempFile("tls-client", ".out");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            try (OutputStream in = process.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            } catch (IOException exitedEarly) {
                // its output says why
            }
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(
                        "did not finish in " + TIMEOUT_SECONDS + " s: " + command + "\n" + Files.readString(output));
            }
            return new Outcome(process.exitValue(), Files.readString(output));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /**
     * {@code openssl s_client} with its default options (session tickets on) at {@code version} ("1.2" or "1.3"),
     * sending one request. {@code -ign_eof} keeps it reading after its input ends, until the server closes: a
     * TLS 1.3 client learns of a refusal only then, from the alert that follows its Finished.
     */
    static Outcome openssl(int port, String version, Identity agent, Path ca, String... options)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                "openssl",
                "s_client",
                "-connect",
                "127.0.0.1:" + port,
                "-tls" + version.replace('.', '_'),
                "-cert",
                agent.certificate().toString(),
                "-key",
                agent.key().toString(),
                "-CAfile",
                ca.toString(),
                "-verify_ip",
                "127.0.0.1",
                "-verify_return_error",
                "-ign_eof"));
        command.addAll(List.of(options));
        return run(command, REQUEST);
    }

    /** curl at exactly {@code version}, verbose so that the negotiated protocol and any alert are printed. */
    static Outcome curl(int port, String version, Identity agent, Path ca) throws IOException, InterruptedException {
        return run(
                List.of(
                        "curl",
                        "-sS",
                        "-v",
                        "--max-time",
                        "10",
                        "--tlsv" + version,
                        "--tls-max",
                        version,
                        "--cert",
                        agent.certificate().toString(),
                        "--key",
                        agent.key().toString(),
                        "--cacert",
                        ca.toString(),
                        "https://127.0.0.1:" + port + "/"),
                "");
    }

    /** The interpreter behind {@code python3}: a version manager's shim costs a few hundred ms per start. */
    private static String pythonExecutable() throws IOException, InterruptedException {
        if (pythonPath == null) {
            Outcome found = run(List.of("python3", "-c", "import sys; print(sys.executable)"), "");
            pythonPath = found.succeeded() ? found.output().strip() : "python3";
        }
        return pythonPath;
    }

    /** Python's standard {@code ssl} module pinned to {@code version}; prints the protocol and the answer. */
    static Outcome python(int port, String version, Identity agent, Path ca) throws IOException, InterruptedException {
        String script = String.join(
                "\n",
                "import socket, ssl, sys",
                "certificate, key, ca, port, version = sys.argv[1:]",
                "c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)",
                "c.minimum_version = c.maximum_version = getattr(ssl.TLSVersion, version)",
                "c.load_cert_chain(certificate, key)",
                "c.load_verify_locations(ca)",
                "try:",
                "    with socket.create_connection(('127.0.0.1', int(port)), timeout=10) as raw:",
                "        with c.wrap_socket(raw, server_hostname='127.0.0.1') as s:",
                "            print('version', s.version())",
                "            s.sendall(b'" + REQUEST.replace("\r", "\\r").replace("\n", "\\n") + "')",
                "            print(b''.join(iter(lambda: s.recv(4096), b'')).decode())",
                "except OSError as e:",
                "    print(type(e).__name__, e)",
                "    sys.exit(1)");
        return run(
                List.of(
                        pythonExecutable(),
                        "-c",
                        script,
                        agent.certificate().toString(),
                        agent.key().toString(),
                        ca.toString(),
                        String.valueOf(port),
                        "TLSv" + version.replace('.', '_')),
                "");
    }

    /**
     * An HTTPS server on 127.0.0.1 (ephemeral port, client certificate required) that answers every request
     * with {@code 200 ok}. For each connection it records {@code accepted <subject>} or the messages of the
     * exception that ended the handshake.
     */
    static final class Server implements AutoCloseable {
        private final SSLServerSocket socket;
        private final BlockingQueue<String> outcomes = new LinkedBlockingQueue<>();

        Server(SSLContext context) throws IOException {
            socket = (SSLServerSocket)
                    context.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
            socket.setSSLParameters(ServerTls.sslParameters(context));
            Thread acceptor = new Thread(this::serve, "tls-client-matrix-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        /** The next connection's outcome. */
        String nextOutcome() throws InterruptedException {
            String outcome = outcomes.poll(10, TimeUnit.SECONDS);
            if (outcome == null) {
                throw new AssertionError("the server saw no connection within 10 s");
            }
            return outcome;
        }

        void forgetOutcomes() {
            outcomes.clear();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (SSLSocket connection = (SSLSocket) socket.accept()) {
                    connection.setSoTimeout(5_000);
                    try {
                        answer(connection);
                    } catch (IOException e) {
                        outcomes.add(messages(e));
                    }
                } catch (IOException closedOrBroken) {
                    // the server closing, or a connection that could not even be closed cleanly
                }
            }
        }

        private void answer(SSLSocket connection) throws IOException {
            connection.startHandshake();
            outcomes.add(
                    "accepted " + connection.getSession().getPeerPrincipal().getName());
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(connection.getInputStream(), StandardCharsets.US_ASCII));
            String line;
            do {
                line = in.readLine();
            } while (line != null && !line.isEmpty());
            OutputStream out = connection.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        private static String messages(Throwable e) {
            StringBuilder all = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                all.append(t.getClass().getSimpleName())
                        .append(": ")
                        .append(t.getMessage())
                        .append(" / ");
            }
            return all.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
