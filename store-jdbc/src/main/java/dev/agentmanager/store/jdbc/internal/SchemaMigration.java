package dev.agentmanager.store.jdbc.internal;

import dev.agentmanager.store.jdbc.JdbcDialect;
import dev.agentmanager.store.jdbc.SchemaVersionException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The schema version a database holds, and the runner behind {@code createSchemaIfMissing()}: under
 * {@link SchemaLock} it runs the scripts above the recorded version, in order, each statement in autocommit
 * mode. The version is the highest in {@code <prefix>schema_version}, which every script writes last.
 */
public final class SchemaMigration {
    private static final System.Logger LOG = System.getLogger(SchemaMigration.class.getName());

    /**
     * What a database holds: {@code version} 0 when none of the store's tables exist. {@code recorded} is false
     * for tables created before versions were recorded; their version is then read from the tables themselves.
     */
    public record State(int version, boolean recorded) {}

    private final DataSource dataSource;
    private final SchemaScripts scripts;
    private final String prefix;
    private final Sql sql;

    public SchemaMigration(DataSource dataSource, SchemaScripts scripts, String prefix, Sql sql) {
        this.dataSource = dataSource;
        this.scripts = scripts;
        this.prefix = prefix;
        this.sql = sql;
    }

    public SchemaScripts scripts() {
        return scripts;
    }

    /** The version the database holds. */
    public State state(Connection c) throws SQLException {
        if (tableExists(c, sql.schemaVersion)) {
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT MAX(version) FROM " + sql.schemaVersion)) {
                rs.next();
                return new State(rs.getInt(1), true); // 0 (NULL) if V1 stopped before its end: it runs again
            }
        }
        // Tables from before versions were recorded hold V1 to V3, told apart by what each added.
        if (!tableExists(c, sql.agents)) {
            return new State(0, false);
        }
        if (!columnExists(c, sql.certificates, "revocation_logged_at")) {
            return new State(1, false);
        }
        return new State(tableExists(c, sql.sweepLock) ? 3 : 2, false);
    }

    /**
     * Runs the scripts the database lacks, one replica at a time. Tables without a version record run every
     * script from V1 again: the scripts up to V3, all such tables can hold, are idempotent.
     */
    public void upgrade(Connection c) throws SQLException {
        if (upToDate(state(c))) {
            return;
        }
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(true);
        try (SchemaLock lock = SchemaLock.acquire(dataSource, c, sql, prefix)) {
            State state = state(c); // another replica may have upgraded meanwhile
            if (upToDate(state)) {
                return;
            }
            try (Statement s = c.createStatement()) {
                for (SchemaScripts.Script script : scripts.after(state.recorded() ? state.version() : 0)) {
                    for (String statement : SchemaScripts.statements(SchemaScripts.read(script.resource()), prefix)) {
                        s.execute(statement);
                    }
                }
            }
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /**
     * Checks that the database holds the version these scripts end at, or a newer one (a newer replica upgraded it).
     *
     * @throws SchemaVersionException if it holds an older one, none, or one without a version record
     */
    public void check(Connection c) throws SQLException {
        State state = state(c);
        int required = scripts.latest();
        if (!state.recorded() || state.version() < required) {
            throw new SchemaVersionException(
                    prefix,
                    state.version(),
                    state.recorded(),
                    required,
                    missing(state),
                    scripts.dialect().scriptLocation());
        }
        if (state.version() > required) {
            LOG.log(
                    System.Logger.Level.INFO,
                    "agentmanager schema ''{0}'' is at V{1}, newer than V{2} this store needs: running on it",
                    prefix,
                    state.version(),
                    required);
        }
    }

    private boolean upToDate(State state) {
        return state.recorded() && state.version() >= scripts.latest();
    }

    /** The scripts a database at this version lacks, by file name. */
    public List<String> missing(State state) {
        return scripts.after(state.recorded() ? state.version() : 0).stream()
                .map(SchemaScripts.Script::name)
                .toList();
    }

    private boolean tableExists(Connection c, String table) throws SQLException {
        DatabaseMetaData meta = c.getMetaData();
        // H2 folds unquoted names to upper case. Catalog and schema null would find same-named tables of other
        // schemas: MariaDB keeps tables in catalogs (databases), PostgreSQL and H2 in schemas of the catalog.
        for (String name : List.of(table, table.toUpperCase(Locale.ROOT))) {
            try (ResultSet rs =
                    meta.getTables(c.getCatalog(), schema(c), like(meta, name), new String[] {"TABLE", "BASE TABLE"})) {
                if (rs.next()) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean columnExists(Connection c, String table, String column) throws SQLException {
        DatabaseMetaData meta = c.getMetaData();
        for (String t : List.of(table, table.toUpperCase(Locale.ROOT))) {
            for (String name : List.of(column, column.toUpperCase(Locale.ROOT))) {
                try (ResultSet rs = meta.getColumns(c.getCatalog(), schema(c), like(meta, t), like(meta, name))) {
                    if (rs.next()) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** The name as a metadata pattern: its underscores are wildcards unless escaped. */
    private static String like(DatabaseMetaData meta, String name) throws SQLException {
        String escape = meta.getSearchStringEscape();
        return escape == null || escape.isEmpty() ? name : name.replace("_", escape + "_");
    }

    private @Nullable String schema(Connection c) throws SQLException {
        return sql.dialect == JdbcDialect.MARIADB ? null : c.getSchema();
    }
}
