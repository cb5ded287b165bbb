package dev.agentmanager.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.model.RegistrationToken;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The fuzzer's model of an accepted call: what it may change in the store, and how. A call changes only what it
 * names (the agent of a lifecycle call or heartbeat, the token of a registration), adds only what it creates
 * (one agent per registration, one token per token), and leaves its target in the state the call means.
 */
final class Model {
    private Model() {}

    static void checkAccepted(
            AgentManagerFuzzTest.Input input, Map<String, Object> before, Map<String, Object> after, String where) {
        Set<String> added = new HashSet<>(after.keySet());
        added.removeAll(before.keySet());
        Set<String> removed = new HashSet<>(before.keySet());
        removed.removeAll(after.keySet());
        Set<String> changed = new HashSet<>();
        for (String key : before.keySet()) {
            if (after.containsKey(key) && !Objects.equals(before.get(key), after.get(key))) {
                changed.add(key);
            }
        }
        String as = where + " (" + input.name() + " " + input.target() + ") accepted";
        assertThat(removed).as(as + ": removed").isEmpty();
        String agentKey = "agent " + input.target();
        String tokenKey = "token " + input.target();
        switch (input.name()) {
            case "createToken" -> {
                assertThat(changed).as(as + ": changed").isEmpty();
                assertThat(added).as(as + ": added").hasSize(1).allMatch(k -> k.startsWith("token "));
            }
            case "register" -> {
                assertThat(changed).as(as + ": changed").isSubsetOf(Set.of(tokenKey));
                assertThat(added).as(as + ": added").hasSizeLessThanOrEqualTo(1);
                for (String key : added) {
                    assertThat(((Agent) Objects.requireNonNull(after.get(key))).status())
                            .as(as)
                            .isEqualTo(AgentStatus.PENDING);
                    assertThat(changed).as(as + ": a new agent uses its token").containsExactly(tokenKey);
                    assertThat(uses(after.get(tokenKey))).isEqualTo(uses(before.get(tokenKey)) + 1);
                }
            }
            case "revokeToken" -> {
                assertThat(added).as(as + ": added").isEmpty();
                assertThat(changed).as(as + ": changed").isSubsetOf(Set.of(tokenKey));
            }
            case "findAgent" ->
                assertThat(added.isEmpty() && changed.isEmpty())
                        .as(as + ": a read changed the store")
                        .isTrue();
            default -> { // lifecycle calls, heartbeats and renewals: one agent, the one named
                assertThat(added).as(as + ": added").isEmpty();
                assertThat(changed).as(as + ": changed").isSubsetOf(Set.of(agentKey));
                Agent agent = (Agent) after.get(agentKey);
                if (agent != null) {
                    checkAgent(input.name(), agent, (Agent) before.get(agentKey), as);
                }
            }
        }
    }

    private static void checkAgent(String call, Agent after, @Nullable Agent before, String as) {
        switch (call) {
            case "revoke" -> assertThat(after.status()).as(as).isEqualTo(AgentStatus.REVOKED);
            case "deactivate" -> {
                assertThat(after.status()).as(as).isEqualTo(AgentStatus.INACTIVE);
                assertThat(after.inactiveReason()).as(as).isEqualTo(InactiveReason.OPERATOR);
            }
            case "reactivate" -> assertThat(after.inactiveReason()).as(as).isNotEqualTo(InactiveReason.OPERATOR);
            case "heartbeat" -> {
                assertThat(after.status()).as(as).isIn(AgentStatus.ACTIVE, AgentStatus.INACTIVE);
                if (after.status() == AgentStatus.INACTIVE) {
                    assertThat(after.inactiveReason())
                            .as(as + ": only an operator keeps it inactive")
                            .isEqualTo(InactiveReason.OPERATOR);
                }
            }
            case "renewCertificate" -> {
                assertThat(after.status()).as(as).isEqualTo(before == null ? after.status() : before.status());
                assertThat(after.certificate()
                                        .serial()
                                        .equals(
                                                before == null
                                                        ? ""
                                                        : before.certificate().serial())
                                || after.nextCertificate() != null)
                        .as(as + ": a renewal leaves a certificate to promote")
                        .isTrue();
            }
            default -> throw new AssertionError("no model for " + call);
        }
    }

    private static int uses(@Nullable Object token) {
        return token == null ? 0 : ((RegistrationToken) token).uses();
    }
}
