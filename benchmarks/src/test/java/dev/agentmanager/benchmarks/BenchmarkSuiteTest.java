package dev.agentmanager.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the suite reads its children's {@code RESULT} lines. */
class BenchmarkSuiteTest {

    @Test
    void keeps_the_figures_of_result_lines_only() {
        Map<String, Double> results = new HashMap<>();
        for (String line : new String[] {
            "h2: seeded 200 agents in 0.1 s",
            "RESULT h2.bulk 202645.3",
            "RESULT memory.ours 487.0",
            "postgresql skipped: java.sql.SQLException: refused",
            "RESULT postgresql.skipped SQLException",
            "# RESULT not.a.result 1.0"
        }) {
            BenchmarkSuite.readResult(line, results);
        }
        assertThat(results).containsOnly(Map.entry("h2.bulk", 202645.3), Map.entry("memory.ours", 487.0));
    }

    @Test
    void a_missed_ratio_never_shows_as_the_target() {
        assertThat(SuiteTable.ratioText(1.4962, 1.5)).isEqualTo("1.496");
        assertThat(SuiteTable.ratioText(1.4949, 1.5)).isEqualTo("1.49");
        assertThat(SuiteTable.ratioText(1.5, 1.5)).isEqualTo("1.50");
        assertThat(SuiteTable.ratioText(1.5049, 1.5)).isEqualTo("1.50");
        assertThat(SuiteTable.ratioText(0.8496, 0.85)).isEqualTo("0.8496");
        assertThat(SuiteTable.ratioText(1.72, 1.5)).isEqualTo("1.72");
    }
}
