package dev.agentmanager.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.AgentManager;
import dev.agentmanager.model.CreatedRegistrationToken;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.store.inmemory.InMemoryAgentStore;
import dev.agentmanager.testkit.FakeCertificateService;
import dev.agentmanager.testkit.MutableClock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

class EventsToSlf4jTest {

    /** An SLF4J logger that keeps what it is given (slf4j-api's own base class, no binding needed). */
    static final class RecordingLogger extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;

        record Line(Level level, String message) {}

        final List<Line> lines = new CopyOnWriteArrayList<>();

        RecordingLogger() {
            this.name = "recording";
        }

        @Override
        protected void handleNormalizedLoggingCall(
                Level level, Marker marker, String pattern, Object[] arguments, Throwable throwable) {
            lines.add(new Line(level, MessageFormatter.basicArrayFormat(pattern, arguments)));
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        public boolean isTraceEnabled() {
            return true;
        }

        @Override
        public boolean isDebugEnabled() {
            return true;
        }

        @Override
        public boolean isInfoEnabled() {
            return true;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }
    }

    @Test
    void every_event_becomes_one_log_line_at_a_level_that_says_whether_to_look() {
        MutableClock clock = MutableClock.create();
        RecordingLogger log = new RecordingLogger();
        AgentManager manager = AgentManager.builder()
                .store(new InMemoryAgentStore())
                .certificateService(new FakeCertificateService(clock))
                .clock(clock)
                .listener(new EventsToSlf4j(log))
                .build();

        CreatedRegistrationToken token = manager.createToken(RegistrationTokenRequest.oneTime("web-01"));
        Registration registration = manager.register(RegistrationRequest.builder()
                .token(token.plaintext())
                .csr(FakeCertificateService.csrFor("web-01"))
                .name("web-01")
                .capability("docker", "24.0")
                .build());
        try {
            manager.register(RegistrationRequest.builder()
                    .token(token.plaintext())
                    .csr(FakeCertificateService.csrFor("other"))
                    .name("other")
                    .build());
        } catch (RuntimeException expected) {
            // the token was used: RegistrationRejected
        }
        manager.revoke(registration.agent().id());

        assertThat(log.lines)
                .extracting(RecordingLogger.Line::level)
                .containsExactly(
                        Level.INFO, // TokenCreated
                        Level.INFO, // TokenConsumed
                        Level.INFO, // AgentRegistered
                        Level.INFO, // CertificateIssued
                        Level.WARN, // RegistrationRejected
                        Level.WARN); // AgentRevoked
        assertThat(log.lines.get(0).message()).contains("event=TokenCreated");
        assertThat(log.lines.get(2).message())
                .contains(
                        "event=AgentRegistered", "agent " + registration.agent().id() + " (web-01)", "docker 24.0");
        assertThat(log.lines.get(4).message()).contains("RegistrationRejected", "USED");
        String secret = token.plaintext().substring(token.plaintext().indexOf('.') + 1);
        assertThat(log.lines).noneSatisfy(line -> assertThat(line.message()).contains(secret));
    }
}
