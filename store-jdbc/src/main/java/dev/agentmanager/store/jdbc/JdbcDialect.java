package dev.agentmanager.store.jdbc;

import static java.util.Objects.requireNonNull;

import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.Locale;

/**
 * The databases {@link JdbcAgentStore} supports. Chosen with {@link JdbcAgentStoreBuilder#dialect} or
 * detected from the connection's metadata.
 */
public enum JdbcDialect {
    /** H2 2.x in its regular mode: the embedded default. */
    H2("h2"),
    /** PostgreSQL 12 or later. */
    POSTGRESQL("postgresql"),
    /** MariaDB 10.6 or later (InnoDB). */
    MARIADB("mariadb");

    private final String directory;

    JdbcDialect(String directory) {
        this.directory = directory;
    }

    /**
     * Where this database's versioned schema scripts lie on the classpath, in Flyway's notation, e.g.
     * {@code classpath:db/agentmanager/postgresql}.
     */
    public String scriptLocation() {
        return "classpath:" + scriptDirectory();
    }

    /**
     * The same scripts as Flyway repeatable migrations ({@code R__agentmanager_v001_agentmanager_schema.sql}, ...), for
     * a host that runs agentmanager's schema inside its own Flyway migration set, where versioned scripts would
     * collide with the host's versions: e.g. {@code classpath:db/agentmanager-repeatable/postgresql}. Each runs once,
     * in version order, after the host's pending versioned migrations.
     */
    public String repeatableScriptLocation() {
        return "classpath:db/agentmanager-repeatable/" + directory;
    }

    /** The classpath directory of this database's scripts, e.g. {@code db/agentmanager/postgresql}. */
    public String scriptDirectory() {
        return "db/agentmanager/" + directory;
    }

    /**
     * The dialect of a database product as JDBC reports it ({@link DatabaseMetaData#getDatabaseProductName()}).
     *
     * @throws IllegalArgumentException if the product is not supported
     */
    public static JdbcDialect fromProductName(String productName) {
        String name = requireNonNull(productName, "productName").toLowerCase(Locale.ROOT);
        if (name.contains("h2")) {
            return H2;
        }
        if (name.contains("postgresql")) {
            return POSTGRESQL;
        }
        if (name.contains("mariadb")) {
            return MARIADB;
        }
        throw new IllegalArgumentException("unsupported database: " + productName
                + " (supported: H2, PostgreSQL, MariaDB; set the dialect explicitly if this one is compatible)");
    }

    /** The dialect of the database behind this connection's metadata. */
    static JdbcDialect detect(DatabaseMetaData metaData) throws SQLException {
        String product = metaData.getDatabaseProductName();
        try {
            return fromProductName(product);
        } catch (IllegalArgumentException e) {
            // MariaDB Connector/J reports "MariaDB" for MariaDB servers and "MySQL" for MySQL ones.
            throw new IllegalArgumentException(e.getMessage() + " [" + metaData.getDatabaseProductVersion() + "]", e);
        }
    }
}
