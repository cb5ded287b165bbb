package dev.agentmanager.store.jdbc.internal;

import dev.agentmanager.store.jdbc.JdbcDialect;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The versioned schema scripts shipped in the jar ({@code db/agentmanager/<dialect>/V<n>__*.sql}, Flyway
 * naming) and the minimal runner behind {@code createSchemaIfMissing()}: it reads the same files, replaces
 * {@link Sql#PREFIX_PLACEHOLDER} and runs each statement. The scripts are idempotent.
 */
public final class SchemaScripts {
    /** Every script in version order. A new version appends here and ships its file beside the others. */
    public static final List<String> SCRIPTS = List.of(
            "V1__agentmanager_schema.sql",
            "V2__certificate_revocation_feed.sql",
            "V3__sweep_lock.sql",
            "V4__tasks.sql");

    private SchemaScripts() {}

    /** The text of one script with the placeholder still in it. */
    public static String read(JdbcDialect dialect, String script) {
        String resource = "/" + dialect.scriptDirectory() + "/" + script;
        try (InputStream in = SchemaScripts.class.getResourceAsStream(resource)) {
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

    /** Whether the store's agents table exists (any case, since H2 folds unquoted names to upper case). */
    public static boolean tablesExist(Connection c, Sql sql) throws SQLException {
        DatabaseMetaData meta = c.getMetaData();
        for (String name : List.of(sql.agents, sql.agents.toUpperCase(Locale.ROOT))) {
            // catalog null (all), schema null (all) would find same-named tables of other schemas; MariaDB keeps
            // tables in catalogs (databases), PostgreSQL and H2 in schemas of the current catalog.
            String catalog = c.getCatalog();
            String schema = sql.dialect == JdbcDialect.MARIADB ? null : c.getSchema();
            try (ResultSet rs = meta.getTables(catalog, schema, name, new String[] {"TABLE", "BASE TABLE"})) {
                if (rs.next()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Runs every script (idempotent statements) in autocommit mode. */
    public static void apply(Connection c, JdbcDialect dialect, String prefix) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
            for (String script : SCRIPTS) {
                for (String statement : statements(read(dialect, script), prefix)) {
                    s.execute(statement);
                }
            }
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /**
     * Runs the scripts if any of the store's tables or V2's column is missing; again if that failed because another replica
     * was creating the same tables at the same moment (PostgreSQL then reports a duplicate type).
     */
    public static void applyIfMissing(Connection c, JdbcDialect dialect, String prefix, Sql sql) throws SQLException {
        if (allTablesExist(c, sql)) {
            return;
        }
        try {
            apply(c, dialect, prefix);
        } catch (SQLException e) {
            if (!allTablesExist(c, sql)) {
                apply(c, dialect, prefix);
            }
        }
    }

    private static boolean allTablesExist(Connection c, Sql sql) throws SQLException {
        for (String table : List.of(
                sql.agents,
                sql.labels,
                sql.capabilities,
                sql.liveness,
                sql.tokens,
                sql.redemptions,
                sql.certificates,
                sql.monitor,
                sql.sweepLock,
                sql.tasks,
                sql.taskAttempts,
                sql.taskLogs,
                sql.taskClaimers,
                sql.taskGroups)) {
            if (!answers(c, "SELECT 1 FROM " + table + " WHERE 1 = 0")) {
                return false;
            }
        }
        return answers(c, "SELECT revocation_logged_at FROM " + sql.certificates + " WHERE 1 = 0"); // V2
    }

    private static boolean answers(Connection c, String query) {
        try (Statement s = c.createStatement()) {
            s.executeQuery(query).close();
            return true;
        } catch (SQLException missing) {
            return false;
        }
    }
}
