package dev.agentmanager.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.store.jdbc.internal.SchemaScripts;
import dev.agentmanager.store.jdbc.internal.Sql;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The shipped scripts: same tables and indexes for every database, prefix everywhere. */
class SchemaScriptsTest {
    private static final Pattern OBJECT =
            Pattern.compile("CREATE (?:TABLE|INDEX) IF NOT EXISTS (\\S+)", Pattern.CASE_INSENSITIVE);

    private static Set<String> objects(JdbcDialect dialect) {
        Set<String> names = new TreeSet<>();
        for (String statement :
                SchemaScripts.statements(SchemaScripts.read(dialect, SchemaScripts.SCRIPTS.get(0)), "p_")) {
            Matcher m = OBJECT.matcher(statement);
            assertThat(m.find())
                    .as("every statement creates a table or index: " + statement)
                    .isTrue();
            names.add(m.group(1));
        }
        return names;
    }

    @Test
    void everyDatabaseGetsTheSameTablesAndIndexes() {
        Set<String> h2 = objects(JdbcDialect.H2);
        assertThat(h2)
                .contains(
                        "p_agents",
                        "p_agent_liveness",
                        "p_registration_tokens",
                        "p_token_redemptions",
                        "p_certificates",
                        "p_monitor_state",
                        "p_agent_liveness_overdue_idx");
        assertThat(objects(JdbcDialect.POSTGRESQL)).isEqualTo(h2);
        assertThat(objects(JdbcDialect.MARIADB)).isEqualTo(h2);
    }

    @Test
    void everyNameCarriesThePrefixPlaceholder() {
        for (JdbcDialect dialect : JdbcDialect.values()) {
            String script = SchemaScripts.read(dialect, SchemaScripts.SCRIPTS.get(0));
            assertThat(script).contains(Sql.PREFIX_PLACEHOLDER);
            for (String statement : SchemaScripts.statements(script, "p_")) {
                assertThat(statement).doesNotContain("${");
                Matcher m = OBJECT.matcher(statement);
                assertThat(m.find() && m.group(1).startsWith("p_"))
                        .as(statement)
                        .isTrue();
            }
        }
    }
}
