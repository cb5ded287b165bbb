package dev.agentmanager.ca.bouncycastle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.ca.bouncycastle.internal.CaFiles;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificateRequest;
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
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void halfACaIsRefusedWithAClearMessage() throws Exception {
        open();
        Files.delete(dir.resolve(CaFiles.CHAIN_FILE));

        assertThatThrownBy(this::open)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("holds only one of");
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
        assertThat(BouncyCastleCertificateService.builder()
                        .caFromPem(chain, key)
                        .build()
                        .trustBundle())
                .isEqualTo(generated.trustBundle());
    }
}
