package dev.agentmanager.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.store.jdbc.internal.SchemaScripts;
import dev.agentmanager.store.jdbc.internal.Sql;
import java.util.List;
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
        for (String statement : definitions(SchemaScripts.read(dialect, SchemaScripts.SCRIPTS.get(0)))) {
            Matcher m = OBJECT.matcher(statement);
            assertThat(m.find())
                    .as("every statement creates a table or index: " + statement)
                    .isTrue();
            names.add(m.group(1));
        }
        return names;
    }

    /** The statements of a script but its last, the version record. */
    private static List<String> definitions(String script) {
        List<String> statements = SchemaScripts.statements(script, "p_");
        return statements.subList(0, statements.size() - 1);
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
                        "p_schema_version",
                        "p_agent_liveness_overdue_idx");
        assertThat(objects(JdbcDialect.POSTGRESQL)).isEqualTo(h2);
        assertThat(objects(JdbcDialect.MARIADB)).isEqualTo(h2);
    }

    @Test
    void everyNameCarriesThePrefixPlaceholder() {
        for (JdbcDialect dialect : JdbcDialect.values()) {
            String script = SchemaScripts.read(dialect, SchemaScripts.SCRIPTS.get(0));
            assertThat(script).contains(Sql.PREFIX_PLACEHOLDER);
            assertThat(SchemaScripts.statements(script, "p_"))
                    .allSatisfy(s -> assertThat(s).doesNotContain("${"));
            for (String statement : definitions(script)) {
                Matcher m = OBJECT.matcher(statement);
                assertThat(m.find() && m.group(1).startsWith("p_"))
                        .as(statement)
                        .isTrue();
            }
        }
    }

    @Test
    void everyScriptRecordsItsOwnVersionLast() {
        Pattern record = Pattern.compile(
                "(?:INSERT|MERGE) INTO p_schema_version \\(version, description\\)(?: KEY \\(version\\))?\\s+VALUES \\((\\d+), '[a-z ]+'\\)"
                        + "(?: ON CONFLICT \\(version\\) DO NOTHING| ON DUPLICATE KEY UPDATE version = version)?");
        for (JdbcDialect dialect : JdbcDialect.values()) {
            SchemaScripts scripts = SchemaScripts.shipped(dialect);
            assertThat(scripts.latest()).isEqualTo(SchemaScripts.SCRIPTS.size());
            for (SchemaScripts.Script script : scripts.scripts()) {
                List<String> statements = SchemaScripts.statements(SchemaScripts.read(script.resource()), "p_");
                String last = statements.get(statements.size() - 1);
                Matcher m = record.matcher(last);
                assertThat(m.matches())
                        .as(dialect + " " + script.name() + ": " + last)
                        .isTrue();
                assertThat(Integer.parseInt(m.group(1))).as(script.name()).isEqualTo(script.version());
                assertThat(statements.subList(0, statements.size() - 1))
                        .as("only the last statement writes the version")
                        .noneMatch(s -> s.contains("INTO p_schema_version"));
            }
        }
    }

    @Test
    void scriptNamesCarryTheirVersion() {
        assertThat(SchemaScripts.versionOf("V12__task_tables.sql")).isEqualTo(12);
        assertThatThrownBy(() -> SchemaScripts.versionOf("V0__x.sql")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SchemaScripts.versionOf("R__x.sql")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theRepeatableSetIsTheSameScripts() {
        for (JdbcDialect dialect : JdbcDialect.values()) {
            String directory = dialect.repeatableScriptLocation().substring("classpath:".length());
            for (SchemaScripts.Script script : SchemaScripts.shipped(dialect).scripts()) {
                String repeatable = String.format(
                        "%s/R__agentmanager_v%03d_%s",
                        directory,
                        script.version(),
                        script.name().substring(script.name().indexOf("__") + 2));
                assertThat(SchemaScripts.read(repeatable))
                        .as(repeatable)
                        .isEqualTo(SchemaScripts.read(script.resource()));
            }
        }
    }
}
