package dev.agentmanager.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RevocationRunsSmokeTest {

    @Test
    void prints_the_propagation_delay_and_the_handshake_rates(@TempDir Path dir) throws Exception {
        ChildJvm.Run run =
                ChildJvm.run(dir, RevocationRuns.class, List.of(JdbcHeartbeats.POSTGRESQL_URL), "5", "2", "0.2");

        assertThat(run.output()).contains(RevocationRuns.DATABASE_LINE + "H2");
        assertThat(run.results())
                .as(run.output())
                .containsOnlyKeys(
                        "revocation.count",
                        "revocation.delay.median",
                        "revocation.delay.max",
                        "revocation.call.median",
                        "handshake.checked",
                        "handshake.unchecked",
                        "handshake.ratio");
        assertThat(run.results().get("revocation.count")).isEqualTo(5);
        assertThat(run.results().get("revocation.delay.max"))
                .as("refused on the other replica within the default bound")
                .isLessThanOrEqualTo(2000);
        assertThat(run.results().get("handshake.checked")).isPositive();
        assertThat(List.of(RevocationRuns.rows(run.results(), "H2"))).isNotEmpty();
    }
}
