package dev.agentmanager.examples;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.agentmanager.AgentManager;
import dev.agentmanager.model.CreatedRegistrationToken;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.store.inmemory.InMemoryAgentStore;
import dev.agentmanager.testkit.FakeCertificateService;
import dev.agentmanager.testkit.MutableClock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The library logs through {@link System.Logger}; with {@code org.slf4j:slf4j-jdk-platform-logging} and an
 * SLF4J backend (Logback here) on the class path, its lines arrive in the host's SLF4J logging under the
 * logger names README's "Logging" lists. No code: the JDK finds the bridge's {@code System.LoggerFinder}.
 */
class SystemLoggerToSlf4jTest {
    private static final String TOKENS = "dev.agentmanager.RegistrationTokenService";
    private static final String REGISTRAR = "dev.agentmanager.AgentRegistrar";

    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void captureTheLibrarysLoggers() {
        lines.start();
        for (String name : List.of(TOKENS, REGISTRAR)) {
            Logger logger = (Logger) LoggerFactory.getLogger(name);
            logger.setLevel(Level.INFO);
            logger.setAdditive(false); // into the list only, not onto the console
            logger.addAppender(lines);
        }
    }

    @AfterEach
    void restoreTheLoggers() {
        for (String name : List.of(TOKENS, REGISTRAR)) {
            Logger logger = (Logger) LoggerFactory.getLogger(name);
            logger.detachAppender(lines);
            logger.setAdditive(true);
            logger.setLevel(null);
        }
        lines.stop();
    }

    @Test
    void the_jdk_hands_system_loggers_to_slf4j() {
        assertThat(System.LoggerFinder.getLoggerFinder().getClass().getName())
                .startsWith("org.slf4j.jdk.platform.logging.");
    }

    @Test
    void token_and_registration_lines_arrive_through_slf4j_without_the_secret() {
        MutableClock clock = MutableClock.create();
        AgentManager manager = AgentManager.builder()
                .store(new InMemoryAgentStore())
                .certificateService(new FakeCertificateService(clock))
                .clock(clock)
                .build();

        CreatedRegistrationToken token = manager.createToken(RegistrationTokenRequest.oneTime("web-01"));
        Registration registration = manager.register(RegistrationRequest.builder()
                .token(token.plaintext())
                .csr(FakeCertificateService.csrFor("web-01"))
                .name("web-01")
                .build());

        assertThat(lines.list)
                .filteredOn(line -> line.getLoggerName().equals(TOKENS))
                .anySatisfy(line -> {
                    assertThat(line.getLevel()).isEqualTo(Level.INFO);
                    assertThat(line.getFormattedMessage())
                            .startsWith("registration token created: id="
                                    + token.token().id());
                });
        assertThat(lines.list)
                .filteredOn(line -> line.getLoggerName().equals(REGISTRAR))
                .anySatisfy(line -> assertThat(line.getFormattedMessage())
                        .startsWith(
                                "agent registered: id=" + registration.agent().id()));
        String secret = token.plaintext().substring(token.plaintext().indexOf('.') + 1);
        assertThat(lines.list)
                .noneSatisfy(line -> assertThat(line.getFormattedMessage()).contains(secret));
    }
}
