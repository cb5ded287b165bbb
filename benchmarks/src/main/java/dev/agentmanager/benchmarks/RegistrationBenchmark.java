package dev.agentmanager.benchmarks;

import dev.agentmanager.AgentManager;
import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService;
import dev.agentmanager.ca.bouncycastle.client.AgentKeys;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.store.inmemory.InMemoryAgentStore;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Registrations per second through {@link AgentManager#register} (request validation, CSR decode and
 * signature check, one-time token lookup and constant-time secret check, certificate issue, all-or-nothing
 * store write, events) with the in-memory store and the BouncyCastle CA, beside the raw crypto alone on the
 * same CA: {@code decodeRequest} (parse + verify the CSR) and {@code issue} (build + sign the certificate).
 * Agent keys are EC P-256 (256 distinct CSRs, reused), the CA key is EC P-256: the defaults. Each registration
 * uses its own one-time token, created before the iteration.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RegistrationBenchmark {
    private static final int CSRS = 256;
    /** Tokens created before each iteration: more than one iteration can use at the rates seen here. */
    private static final int TOKENS_PER_ITERATION = 20_000;

    @State(Scope.Benchmark)
    public static class Ca {
        BouncyCastleCertificateService ca;
        byte[][] csrs;
        final AtomicLong counter = new AtomicLong();

        @Setup(Level.Trial)
        public void setUp() {
            Fleet.quietLogging();
            ca = BouncyCastleCertificateService.builder().build();
            csrs = new byte[CSRS][];
            for (int i = 0; i < CSRS; i++) {
                csrs[i] = AgentKeys.csrPem(AgentKeys.generate(), "host-" + i).getBytes(StandardCharsets.US_ASCII);
            }
        }
    }

    @Benchmark
    public AgentCertificate rawCrypto(Ca ca) {
        long n = ca.counter.getAndIncrement();
        return ca.ca.issue("agent-" + n, ca.ca.decodeRequest(ca.csrs[(int) (n % CSRS)]));
    }

    @State(Scope.Benchmark)
    public static class Manager {
        AgentManager manager;
        final ConcurrentLinkedQueue<String> tokens = new ConcurrentLinkedQueue<>();

        @Setup(Level.Trial)
        public void setUp(Ca ca) {
            manager = AgentManager.builder()
                    .store(new InMemoryAgentStore())
                    .certificateService(ca.ca)
                    .build();
        }

        @Setup(Level.Iteration)
        public void createTokens() {
            tokens.clear();
            createTokens(TOKENS_PER_ITERATION);
        }

        /** Creates {@code count} one-time tokens and queues their plaintexts. */
        void createTokens(int count) {
            for (int i = 0; i < count; i++) {
                tokens.add(manager.createToken(RegistrationTokenRequest.oneTime("bench"))
                        .plaintext());
            }
        }
    }

    @Benchmark
    public Registration register(Ca ca, Manager m) {
        long n = ca.counter.getAndIncrement();
        String token = m.tokens.poll();
        if (token == null) { // ran out: create one inline (counted in the figure)
            token = m.manager
                    .createToken(RegistrationTokenRequest.oneTime("bench"))
                    .plaintext();
        }
        return m.manager.register(RegistrationRequest.builder()
                .token(token)
                .csr(ca.csrs[(int) (n % CSRS)])
                .name("host-" + n)
                .capability("docker", "24.0.7")
                .capability("compose", "2.24")
                .capability("helm", "3.14.2")
                .label("env", "prod")
                .label("region", "eu-west-1")
                .agentVersion("1.42.0")
                .remoteAddress("10.0.0.1")
                .build());
    }
}
