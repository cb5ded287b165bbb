package dev.agentmanager.store.jdbc.internal;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.store.jdbc.JdbcDialect;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The versioned schema scripts of one database ({@code db/agentmanager/<dialect>/V<n>__*.sql}, Flyway naming),
 * versions 1 to {@link #latest()} without gaps. Each script ends by recording its version in
 * {@code <prefix>schema_version}; {@link SchemaMigration} runs the ones a database lacks.
 */
public final class SchemaScripts {
    /**
     * Every script in version order. A new version ships its file for each database beside the others and
     * appends its name here; the store then requires it at {@code build()}.
     */
    public static final List<String> SCRIPTS = List.of(
            "V1__agentmanager_schema.sql",
            "V2__certificate_revocation_feed.sql",
            "V3__sweep_lock.sql",
            "V4__tasks.sql",
            "V5__agent_change_feed.sql");

    private static final Pattern NAME = Pattern.compile("V([1-9][0-9]{0,8})__[A-Za-z0-9_]+\\.sql");

    /** One script: its version, its file name and where it lies on the classpath. */
    public record Script(int version, String name, String resource) {}

    private final JdbcDialect dialect;
    private final List<Script> scripts;

    private SchemaScripts(JdbcDialect dialect, List<Script> scripts) {
        for (int i = 0; i < scripts.size(); i++) {
            if (scripts.get(i).version() != i + 1) {
                throw new IllegalArgumentException("schema scripts must be versions 1 to n in order: " + scripts);
            }
        }
        this.dialect = dialect;
        this.scripts = List.copyOf(scripts);
    }

    /** The scripts shipped in this jar for a database. */
    public static SchemaScripts shipped(JdbcDialect dialect) {
        List<Script> scripts = new ArrayList<>();
        for (String name : SCRIPTS) {
            scripts.add(new Script(versionOf(name), name, dialect.scriptDirectory() + "/" + name));
        }
        return new SchemaScripts(dialect, scripts);
    }

    /**
     * These scripts and one more as the next version, from anywhere on the classpath: for tests of upgrades, with a
     * script that records its version as one above the highest recorded.
     */
    public SchemaScripts withNext(String resource) {
        List<Script> more = new ArrayList<>(scripts);
        more.add(new Script(latest() + 1, resource.substring(resource.lastIndexOf('/') + 1), resource));
        return new SchemaScripts(dialect, more);
    }

    /** The version of a script from its file name, {@code V<n>__<description>.sql}. */
    public static int versionOf(String name) {
        Matcher m = NAME.matcher(requireNonNull(name, "name"));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a versioned script name (V<n>__<description>.sql): " + name);
        }
        return Integer.parseInt(m.group(1));
    }

    public JdbcDialect dialect() {
        return dialect;
    }

    public List<Script> scripts() {
        return scripts;
    }

    /** The version a store built with these scripts requires. */
    public int latest() {
        return scripts.size();
    }

    /** The scripts above a version, in order. */
    public List<Script> after(int version) {
        return scripts.subList(Math.min(Math.max(version, 0), scripts.size()), scripts.size());
    }

    /** The text of one shipped script with the placeholder still in it. */
    public static String read(JdbcDialect dialect, String name) {
        return read(dialect.scriptDirectory() + "/" + name);
    }

    /** The text of a script on the classpath with the placeholder still in it. */
    public static String read(String resource) {
        try (InputStream in = SchemaScripts.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("schema script missing from the classpath: " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    /** The statements of a script with the prefix applied: comments dropped, split at semicolons. */
    public static List<String> statements(String script, String prefix) {
        StringBuilder sql = new StringBuilder();
        for (String line : script.replace(Sql.PREFIX_PLACEHOLDER, prefix).split("\n")) {
            String trimmed = line.strip();
            if (!trimmed.isEmpty() && !trimmed.startsWith("--")) {
                sql.append(line).append('\n');
            }
        }
        List<String> statements = new ArrayList<>();
        for (String statement : sql.toString().split(";")) {
            if (!statement.isBlank()) {
                statements.add(statement.strip());
            }
        }
        return statements;
    }
}
