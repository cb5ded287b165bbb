package dev.agentmanager.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.AgentLimits;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.model.Capability;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {
    private final RequestValidator validator = new RequestValidator(AgentLimits.defaults());

    @Test
    void acceptsOrdinaryInput() {
        assertThat(validator.name("name", "web-01 (eu-west)")).isEqualTo("web-01 (eu-west)");
        assertThat(validator.capabilities(Set.of(Capability.of("docker", "24.0.7"), Capability.of("ssh"))))
                .hasSize(2);
        assertThat(validator.labels(Map.of("env", "prod", "team/owner", "release eng")))
                .hasSize(2);
        assertThat(validator.version("agentVersion", "1.2.3-rc.1+build5")).isEqualTo("1.2.3-rc.1+build5");
    }

    @Test
    void refusesBlankLongAndControlCharacterNames() {
        assertInvalid(() -> validator.name("name", ""), "name");
        assertInvalid(() -> validator.name("name", "   "), "name");
        assertInvalid(() -> validator.name("name", "x".repeat(129)), "name");
        assertInvalid(() -> validator.name("name", "bad\u0000name"), "name");
        assertInvalid(() -> validator.name("name", "line\nbreak"), "name");
        assertInvalid(() -> validator.name("name", "bidi\u202Eoverride"), "name");
        assertInvalid(() -> validator.name("name", "ls\u2028sep"), "name");
    }

    @Test
    void refusesBadCapabilities() {
        assertInvalid(() -> validator.capabilities(Set.of(Capability.of("has space"))), "capabilities");
        assertInvalid(() -> validator.capabilities(Set.of(Capability.of("-leading"))), "capabilities");
        assertInvalid(() -> validator.capabilities(Set.of(Capability.of("x".repeat(64)))), "capabilities");
        assertInvalid(() -> validator.capabilities(Set.of(Capability.of("docker", "1 .0"))), "capabilities");
        assertInvalid(
                () -> validator.capabilities(Set.of(Capability.of("docker", "1"), Capability.of("docker", "2"))),
                "capabilities");
        Set<Capability> many = new HashSet<>();
        for (int i = 0; i < 65; i++) {
            many.add(Capability.of("cap" + i));
        }
        assertInvalid(() -> validator.capabilities(many), "capabilities");
    }

    @Test
    void refusesBadLabels() {
        assertInvalid(() -> validator.labels(Map.of("", "v")), "labels");
        assertInvalid(() -> validator.labels(Map.of("k", "v\u0007")), "labels");
        assertInvalid(() -> validator.labels(Map.of("k", "v".repeat(257))), "labels");
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 33; i++) {
            many.put("k" + i, "v");
        }
        assertInvalid(() -> validator.labels(many), "labels");
    }

    @Test
    void thumbprintsMustBeSha256Hex() {
        String upper = "AB".repeat(32);
        assertThat(validator.thumbprint(upper)).isEqualTo(upper.toLowerCase());
        assertInvalid(() -> validator.thumbprint("ab".repeat(20)), "certificateThumbprint");
        assertInvalid(() -> validator.thumbprint("zz".repeat(32)), "certificateThumbprint");
    }

    @Test
    void limitsAreConfigurable() {
        RequestValidator strict = new RequestValidator(new AgentLimits(8, 1, 1, 8, 8, 8, 8));
        assertInvalid(() -> strict.name("name", "nine-char"), "name");
        assertInvalid(() -> strict.capabilities(Set.of(Capability.of("a"), Capability.of("b"))), "capabilities");
        assertThat(strict.capabilities(Set.of(Capability.of("a")))).hasSize(1);
    }

    private static void assertInvalid(Runnable call, String field) {
        assertThatThrownBy(call::run)
                .isInstanceOf(InvalidRequestException.class)
                .satisfies(
                        e -> assertThat(((InvalidRequestException) e).field()).isEqualTo(field));
    }
}
