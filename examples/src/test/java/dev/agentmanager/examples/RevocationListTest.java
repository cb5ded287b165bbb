package dev.agentmanager.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.agentmanager.AgentManager;
import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService;
import dev.agentmanager.ca.bouncycastle.client.AgentKeys;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.store.inmemory.InMemoryAgentStore;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manager's CRL, from the store's records and signed by the real CA, as openssl reads it. */
class RevocationListTest {

    @Test
    void opensslVerifiesTheManagersCrlAndFindsEveryRevokedCertificate(@TempDir Path dir) throws Exception {
        boolean openssl = false;
        for (String path : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            openssl |= Files.isExecutable(Path.of(path, "openssl"));
        }
        assumeThat(openssl).as("openssl on the PATH").isTrue();
        BouncyCastleCertificateService ca =
                BouncyCastleCertificateService.builder().build();
        AgentManager manager = AgentManager.builder()
                .store(new InMemoryAgentStore())
                .certificateService(ca)
                .build();
        List<Registration> agents = new ArrayList<>();
        for (String name : List.of("web", "db", "cache")) {
            agents.add(manager.register(RegistrationRequest.builder()
                    .token(manager.createToken(RegistrationTokenRequest.oneTime(name))
                            .plaintext())
                    .csrPem(AgentKeys.csrPem(AgentKeys.generate(), name))
                    .name(name)
                    .build()));
        }
        manager.revoke(agents.get(0).agent().id());
        manager.revoke(agents.get(2).agent().id());

        Path crl = Files.write(dir.resolve("crl.der"), manager.currentCrl());
        Path root =
                Files.writeString(dir.resolve("root.pem"), manager.trustBundle().certificatesPem());
        Process process = new ProcessBuilder(
                        "openssl",
                        "crl",
                        "-inform",
                        "DER",
                        "-in",
                        crl.toString(),
                        "-CAfile",
                        root.toString(),
                        "-noout",
                        "-text")
                .redirectErrorStream(true)
                .start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String text =
                new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);

        assertThat(process.exitValue()).as(text).isZero();
        assertThat(text).contains("VERIFY OK");
        assertThat(text)
                .contains(agents.get(0).certificate().serial().toUpperCase(Locale.ROOT))
                .contains(agents.get(2).certificate().serial().toUpperCase(Locale.ROOT))
                .doesNotContain(agents.get(1).certificate().serial().toUpperCase(Locale.ROOT));
    }
}
