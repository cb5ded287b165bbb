package dev.agentmanager.ca.bouncycastle.client;

import static org.assertj.core.api.Assumptions.assumeThat;

import dev.agentmanager.ca.bouncycastle.ServerTls;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/** Real non-Java TLS clients run as processes, and a minimal HTTPS server for them to talk to. */
final class TlsClients {
    private TlsClients() {}

    /** What a client process printed and how it ended. */
    record Outcome(int exitCode, String output) {
        boolean succeeded() {
            return exitCode == 0;
        }
    }

    static void assumeInstalled(String binary) {
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            found |= Files.isExecutable(Path.of(dir, binary));
        }
        assumeThat(found).as(binary + " on the PATH").isTrue();
    }

    static Outcome run(List<String> command, String stdin) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("client did not finish: " + command);
        }
        return new Outcome(
                process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** {@code openssl s_client} with its default options (session tickets on), one protocol version. */
    static Outcome openssl(int port, String version, Path certificate, Path key, Path ca, String sessionOption)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                "openssl",
                "s_client",
                "-connect",
                "127.0.0.1:" + port,
                version,
                "-cert",
                certificate.toString(),
                "-key",
                key.toString(),
                "-CAfile",
                ca.toString(),
                "-verify_return_error"));
        if (sessionOption != null) {
            command.addAll(List.of(sessionOption.split(" ")));
        }
        // sleep keeps stdin open until the answer (or the server's alert, which TLS 1.3 delivers after the handshake)
        // is read
        return run(
                List.of("sh", "-c", "(printf 'GET / HTTP/1.0\\r\\n\\r\\n'; sleep 1) | " + String.join(" ", command)),
                "");
    }

    static Outcome curl(int port, Path certificate, Path key, Path ca) throws IOException, InterruptedException {
        return run(
                List.of(
                        "curl",
                        "-sS",
                        "--max-time",
                        "20",
                        "--cert",
                        certificate.toString(),
                        "--key",
                        key.toString(),
                        "--cacert",
                        ca.toString(),
                        "https://127.0.0.1:" + port + "/"),
                "");
    }

    /** Python's standard {@code ssl} module with the protocol pinned to {@code version} ("TLSv1_2" or "TLSv1_3"). */
    static Outcome python(int port, String version, Path certificate, Path key, Path ca)
            throws IOException, InterruptedException {
        String script = String.join(
                "\n",
                "import socket, ssl, sys",
                "c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)",
                "c.minimum_version = c.maximum_version = ssl.TLSVersion." + version,
                "c.load_cert_chain(sys.argv[1], sys.argv[2])",
                "c.load_verify_locations(sys.argv[3])",
                "c.check_hostname = False",
                "with socket.create_connection(('127.0.0.1', int(sys.argv[4])), timeout=20) as raw:",
                "    with c.wrap_socket(raw) as s:",
                "        print('version', s.version())",
                "        s.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n')",
                "        print(s.recv(4096).decode())");
        return run(
                List.of(
                        "python3",
                        "-c",
                        script,
                        certificate.toString(),
                        key.toString(),
                        ca.toString(),
                        String.valueOf(port)),
                "");
    }

    /** An HTTPS server on 127.0.0.1 that answers every request with {@code 200 ok} after a checked handshake. */
    static final class Server implements AutoCloseable {
        private final SSLServerSocket socket;
        private final ExecutorService acceptor = Executors.newSingleThreadExecutor();

        Server(SSLContext context) throws IOException {
            socket = (SSLServerSocket) context.getServerSocketFactory()
                    .createServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            socket.setSSLParameters(ServerTls.sslParameters(context));
            acceptor.submit(this::serve);
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (SSLSocket connection = (SSLSocket) socket.accept()) {
                    connection.setSoTimeout(5_000);
                    BufferedReader in = new BufferedReader(
                            new InputStreamReader(connection.getInputStream(), StandardCharsets.US_ASCII));
                    String line;
                    while ((line = in.readLine()) != null && !line.isEmpty()) {
                        // the request head
                    }
                    OutputStream out = connection.getOutputStream();
                    out.write("HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException refusedOrClosed) {
                    // a refused handshake, or the server closing: the next connection
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            acceptor.shutdownNow();
        }
    }
}
