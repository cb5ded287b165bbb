package dev.agentmanager.ca.bouncycastle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.ca.bouncycastle.internal.CaFiles;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificateRequest;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A generated development CA kept in a directory: one CA for every later build and every process. */
class GeneratedCaDirectoryTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));

    @TempDir
    Path dir;

    private BouncyCastleCertificateService open() {
        return BouncyCastleCertificateService.builder()
                .clock(clock)
                .generatedCaDirectory(dir)
                .build();
    }

    @Test
    void theFirstBuildWritesTheCaAndLaterBuildsUseTheSameOne() throws Exception {
        BouncyCastleCertificateService first = open();
        assertThat(dir.resolve(CaFiles.KEY_FILE)).exists();
        assertThat(dir.resolve(CaFiles.CHAIN_FILE)).exists();
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            assertThat(Files.getPosixFilePermissions(dir.resolve(CaFiles.KEY_FILE)))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        }

        BouncyCastleCertificateService second = open(); // the first is still in use: nothing is locked

        assertThat(second.trustBundle()).isEqualTo(first.trustBundle());
        CertificateRequest request = second.decodeRequest(TestPki.csrPem(TestPki.P256));
        AgentCertificate issued = second.issue("agent-1", request);
        X509Certificate leaf = TestPki.certificate(issued.certificatePem());
        TestPki.validate(leaf, first.caCertificates(), clock.instant(), null);
    }

    @Test
    void buildsThatRaceAgreeOnOneCa() throws Exception {
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<String>> pins = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                pins.add(pool.submit(() -> {
                    start.await();
                    return open().trustBundle().rootSha256();
                }));
            }
            start.countDown();
            Set<String> distinct = new HashSet<>();
            for (Future<String> pin : pins) {
                distinct.add(pin.get(60, TimeUnit.SECONDS));
            }
            assertThat(distinct).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Threads of one process are serialised in-process; separate processes meet only at the file lock. */
    @Test
    @Timeout(120)
    void processesThatRaceAgreeOnOneCa() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The tests may run on the module path: give the child everything on one class path.
        String classPath = String.join(
                File.pathSeparator,
                Path.of(GeneratedCaDirectoryTest.class
                                .getProtectionDomain()
                                .getCodeSource()
                                .getLocation()
                                .toURI())
                        .toString(),
                System.getProperty("jdk.module.path", ""),
                System.getProperty("java.class.path", ""));
        List<Process> processes = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            processes.add(
                    new ProcessBuilder(java, "-cp", classPath, GeneratedCaDirectoryTest.class.getName(), dir.toString())
                            .redirectErrorStream(true)
                            .start());
        }
        Set<String> distinct = new HashSet<>();
        for (Process process : processes) {
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as(out).isZero();
            distinct.add(out.substring(out.lastIndexOf('\n') + 1)); // the pin; log lines come before it
        }

        assertThat(distinct).containsExactly(open().trustBundle().rootSha256());
    }

    /** One of the racing processes: builds from the directory {@code args[0]} and prints the root's pin. */
    public static void main(String[] args) {
        System.out.println(BouncyCastleCertificateService.builder()
                .generatedCaDirectory(Path.of(args[0]))
                .build()
                .trustBundle()
                .rootSha256());
    }

    @ParameterizedTest
    @ValueSource(strings = {CaFiles.CHAIN_FILE, CaFiles.KEY_FILE})
    void halfACaIsRefusedRatherThanReplaced(String missing) throws Exception {
        open();
        Files.delete(dir.resolve(missing));

        assertThatThrownBy(this::open)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("holds only one of")
                .hasMessageContaining(CaFiles.CHAIN_FILE)
                .hasMessageContaining(CaFiles.KEY_FILE);
        assertThat(dir.resolve(missing))
                .as("nothing generated over the remaining half")
                .doesNotExist();
    }

    @Test
    void aStoredCaOfAnotherKeyTypeIsNotSilentlySwapped() {
        open();

        assertThatThrownBy(() -> BouncyCastleCertificateService.builder()
                        .generatedCaDirectory(dir)
                        .caKeyType(KeyType.ED25519)
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("holds a EC P-256 CA");
        assertThat(BouncyCastleCertificateService.builder()
                        .generatedCaDirectory(dir)
                        .caKeyType(KeyType.EC_P256)
                        .build()
                        .trustBundle())
                .isEqualTo(open().trustBundle());
    }

    @Test
    void aLoadedCaDoesNotTakeADirectory() throws Exception {
        BouncyCastleCertificateService generated = open();
        Path chain = Files.writeString(dir.resolve("chain.pem"), Pem.write(generated.caCertificates()));
        Path key = dir.resolve(CaFiles.KEY_FILE);

        assertThatThrownBy(() -> BouncyCastleCertificateService.builder()
                        .caFromPem(chain, key)
                        .generatedCaDirectory(dir.resolve("other"))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("generatedCaDirectory");
        // Refused before the file is opened: a missing key store would otherwise fail with an I/O error.
        assertThatThrownBy(() -> BouncyCastleCertificateService.builder()
                        .generatedCaDirectory(dir.resolve("other"))
                        .caFromPkcs12(dir.resolve("missing.p12"), "secret".toCharArray())
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("generatedCaDirectory")
                .hasMessageContaining("PKCS#12");
        assertThat(dir.resolve("other")).doesNotExist();
        assertThat(BouncyCastleCertificateService.builder()
                        .caFromPem(chain, key)
                        .build()
                        .trustBundle())
                .isEqualTo(generated.trustBundle());
    }
}
