package dev.agentmanager.examples.demo;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.h2.tools.Server;
import org.junit.jupiter.api.Assumptions;

/**
 * One database that replica processes share for one test: its JDBC URL and a table prefix of its own.
 * PostgreSQL and MariaDB come from {@code AGENTMANAGER_TEST_POSTGRESQL_URL} / {@code AGENTMANAGER_TEST_MARIADB_URL}
 * (skipped when unset, failed instead with {@code AGENTMANAGER_TEST_REQUIRE_DATABASES=true}); their tables with
 * the prefix are dropped on {@link #close()}. H2 runs in server mode inside the test's JVM, so that killing a
 * replica process never takes the database with it (with {@code AUTO_SERVER} the first process to open the
 * file would host it).
 */
final class SharedDatabase implements AutoCloseable {
    enum Kind {
        H2_SERVER,
        POSTGRESQL,
        MARIADB
    }

    final Kind kind;
    final String url;
    final String tablePrefix;
    private final Server h2;

    private SharedDatabase(Kind kind, String url, Server h2) {
        this.kind = kind;
        this.url = url;
        this.h2 = h2;
        this.tablePrefix = String.format("rp%08x_", ThreadLocalRandom.current().nextInt(1 << 30));
    }

    /** The database of this kind, or a skipped (aborted) test when it is not configured. */
    static SharedDatabase open(Kind kind, Path directory) throws SQLException {
        switch (kind) {
            case POSTGRESQL:
                return new SharedDatabase(kind, fromEnvironment("AGENTMANAGER_TEST_POSTGRESQL_URL"), null);
            case MARIADB:
                return new SharedDatabase(kind, fromEnvironment("AGENTMANAGER_TEST_MARIADB_URL"), null);
            default:
                Server server = Server.createTcpServer(
                                "-tcpPort",
                                "0",
                                "-baseDir",
                                directory.toAbsolutePath().toString(),
                                "-ifNotExists")
                        .start();
                return new SharedDatabase(
                        kind, "jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/./fleet;LOCK_TIMEOUT=10000", server);
        }
    }

    private static String fromEnvironment(String variable) {
        String url = System.getenv(variable);
        if (url == null || url.isBlank()) {
            if ("true".equalsIgnoreCase(System.getenv("AGENTMANAGER_TEST_REQUIRE_DATABASES"))) {
                fail(variable + " is not set but AGENTMANAGER_TEST_REQUIRE_DATABASES=true");
            }
            Assumptions.abort(variable + " is not set: skipping this database");
        }
        return url;
    }

    @Override
    public void close() throws SQLException {
        if (h2 != null) {
            h2.stop(); // the files go with the test's temporary directory
            return;
        }
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            DatabaseMetaData meta = c.getMetaData();
            try (ResultSet rs = meta.getTables(c.getCatalog(), c.getSchema(), "%", new String[] {"TABLE"})) {
                while (rs.next()) {
                    String table = rs.getString("TABLE_NAME");
                    if (table.toLowerCase(Locale.ROOT).startsWith(tablePrefix)) {
                        tables.add(table);
                    }
                }
            }
            if (kind == Kind.MARIADB) {
                s.execute("SET FOREIGN_KEY_CHECKS = 0"); // drop in any order
            }
            for (String table : tables) {
                s.execute("DROP TABLE IF EXISTS " + table + (kind == Kind.POSTGRESQL ? " CASCADE" : ""));
            }
        }
    }
}
