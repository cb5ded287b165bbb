package dev.agentmanager.examples.demo;

import dev.agentmanager.examples.demo.Api.AgentView;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The fleet as a text table, from the operator's {@code GET /v1/agents}. */
final class FleetTable {
    private static final String FORMAT = "  %-8s %-9s %-18s %-30s %-11s %-13s %-9s %s%n";

    private FleetTable() {}

    static String render(List<AgentView> agents, Instant now) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                FORMAT,
                "AGENT",
                "STATUS",
                "INACTIVE REASON",
                "CAPABILITIES",
                "LAST BEAT",
                "CERTIFICATE",
                "RENEWALS",
                "TASKS"));
        for (AgentView a : agents) {
            String capabilities = a.capabilities().stream()
                    .map(c -> c.version() == null ? c.name() : c.name() + " " + c.version())
                    .collect(Collectors.joining(", "));
            out.append(String.format(
                    Locale.ROOT,
                    FORMAT,
                    a.name(),
                    a.status(),
                    a.inactiveReason() == null ? "" : a.inactiveReason(),
                    capabilities,
                    ago(a.lastHeartbeatAt(), now),
                    SimulatedAgent.short12(a.certificateSerial()),
                    a.certificatesIssued() - 1,
                    a.tasksRunning() == 0
                            ? a.tasksSucceeded() + " done"
                            : a.tasksSucceeded() + " done, " + a.tasksRunning() + " running"));
        }
        return out.toString();
    }

    private static String ago(String instant, Instant now) {
        if (instant == null) {
            return "never";
        }
        Duration ago = Duration.between(Instant.parse(instant), now);
        if (ago.isNegative()) {
            ago = Duration.ZERO;
        }
        return String.format(Locale.ROOT, "%.1fs ago", ago.toMillis() / 1000.0);
    }
}
