package dev.agentmanager.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.store.jdbc.internal.SchemaScripts;
import dev.agentmanager.testkit.MutableClock;
import dev.agentmanager.testkit.TestAgents;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The shipped scripts under real Flyway, both ways a host runs them (store-jdbc README, "Schema and Flyway"):
 * with a history table of agentmanager's own, on a database that already holds the host's tables, and inside the
 * host's own migration set as repeatable migrations. The host's migrations are {@code db/hostapp} (V1, V2) and,
 * written later, {@code db/hostapp-later} (V3). Every test has its own table prefix and history tables.
 */
class FlywayMigrationTest {
    private static final Instant T0 = MutableClock.DEFAULT_START;
    private static final int SHIPPED = SchemaScripts.SCRIPTS.size();

    @TempDir
    Path scratch;

    /** One test's names: agentmanager's prefix, the host's, the two history tables. */
    private record Names(String prefix, String hostPrefix, String agentmanagerHistory, String hostHistory) {
        static Names unique() {
            String prefix = TestDatabase.uniquePrefix();
            return new Names(prefix, prefix + "h_", prefix + "flyway_history", prefix + "host_history");
        }
    }

    /** The documented recipe: agentmanager's scripts with a history table of their own, baselined at 0. */
    private static FluentConfiguration dedicated(DataSource pool, TestDatabase database, Names names) {
        return Flyway.configure()
                .dataSource(pool)
                .locations(database.dialect.scriptLocation())
                .placeholders(Map.of("agentmanager_prefix", names.prefix()))
                .table(names.agentmanagerHistory())
                .baselineOnMigrate(true)
                .baselineVersion("0");
    }

    /** The host's own Flyway: its migrations, its history table, and any extra locations. */
    private static FluentConfiguration host(DataSource pool, Names names, String... moreLocations) {
        String[] locations = new String[moreLocations.length + 1];
        locations[0] = "classpath:db/hostapp";
        System.arraycopy(moreLocations, 0, locations, 1, moreLocations.length);
        Map<String, String> placeholders = new HashMap<>();
        placeholders.put("host_prefix", names.hostPrefix());
        placeholders.put("agentmanager_prefix", names.prefix());
        return Flyway.configure()
                .dataSource(pool)
                .locations(locations)
                .placeholders(placeholders)
                .table(names.hostHistory());
    }

    /** The test-only next version as a file in a directory of its own, named as Flyway should find it. */
    private Path probe(TestDatabase database, String fileName) throws Exception {
        String text = SchemaScripts.read(
                "db/agentmanager-test/" + database.name().toLowerCase(Locale.ROOT) + "/next__upgrade_probe.sql");
        Path dir = Files.createTempDirectory(scratch, "probe");
        Files.writeString(dir.resolve(fileName), text, StandardCharsets.UTF_8);
        return dir;
    }

    private static SchemaScripts withProbe(TestDatabase database) {
        return SchemaScripts.shipped(database.dialect)
                .withNext("db/agentmanager-test/" + database.name().toLowerCase(Locale.ROOT)
                        + "/next__upgrade_probe.sql");
    }

    private static JdbcAgentStoreBuilder builder(DataSource pool, Names names) {
        return JdbcAgentStore.builder(pool).tablePrefix(names.prefix()).clock(MutableClock.at(T0));
    }

    private static long count(DataSource pool, String query) throws SQLException {
        try (Connection c = pool.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Registers an agent: the store works on the schema Flyway made. */
    private static void works(JdbcAgentStore store) {
        TestAgents.NewAgent agent = TestAgents.newAgent("agent-001", T0);
        store.insertToken(TestAgents.oneTimeToken("tok", T0));
        assertThat(store.registerAgent(
                        "tok", TestAgents.redemption("agent-001", T0), T0, agent.agent(), agent.certificate()))
                .isTrue();
        assertThat(store.findAgent("agent-001")).isPresent();
    }

    private static void drop(DataSource pool, TestDatabase database, Names names) {
        // Flyway creates its history tables with quoted lower-case names.
        String quote = database == TestDatabase.MARIADB ? "`" : "\"";
        TestDatabase.dropTables(
                pool,
                quote + names.agentmanagerHistory() + quote,
                quote + names.hostHistory() + quote,
                names.hostPrefix() + "orders",
                names.prefix() + "upgrade_probe");
        TestDatabase.drop(pool, names.prefix());
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aHistoryTableOfItsOwnOnADatabaseThatHoldsTheHostsTables(TestDatabase database) throws Exception {
        Names names = Names.unique();
        try (HikariDataSource pool = database.pool(database.url(), 4)) {
            try {
                assertThat(host(pool, names).load().migrate().migrationsExecuted)
                        .isEqualTo(2);
                assertThatThrownBy(() -> dedicated(pool, database, names)
                                .baselineOnMigrate(false)
                                .load()
                                .migrate())
                        .as("a new history table in a schema that holds other tables needs a baseline")
                        .isInstanceOf(FlywayException.class)
                        .hasMessageContaining("non-empty schema");

                assertThat(dedicated(pool, database, names).load().migrate().migrationsExecuted)
                        .as("baselined at 0, so V1 runs too")
                        .isEqualTo(SHIPPED);

                try (JdbcAgentStore store = builder(pool, names).build()) {
                    assertThat(store.schemaVersion()).isEqualTo(SHIPPED);
                    works(store);
                }
                assertThat(dedicated(pool, database, names).load().migrate().migrationsExecuted)
                        .isZero();
                assertThat(count(pool, "SELECT COUNT(*) FROM " + names.hostPrefix() + "orders"))
                        .isEqualTo(1);
            } finally {
                drop(pool, database, names);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void theDefaultBaselineSkipsV1AndBuildSaysSo(TestDatabase database) throws Exception {
        Names names = Names.unique();
        try (HikariDataSource pool = database.pool(database.url(), 4)) {
            try {
                host(pool, names).load().migrate();
                Flyway trap = Flyway.configure()
                        .dataSource(pool)
                        .locations(database.dialect.scriptLocation())
                        .placeholders(Map.of("agentmanager_prefix", names.prefix()))
                        .table(names.agentmanagerHistory())
                        .baselineOnMigrate(true) // baselineVersion left at 1: V1 counts as applied
                        .load();

                assertThatThrownBy(trap::migrate)
                        .as("V2 alters a table V1 never created")
                        .isInstanceOf(FlywayException.class)
                        .satisfies(e -> assertThat(e.getMessage().toLowerCase(Locale.ROOT))
                                .contains(names.prefix() + "certificates"));
                assertThatThrownBy(() -> builder(pool, names).build())
                        .isInstanceOfSatisfying(
                                SchemaVersionException.class,
                                e -> assertThat(e.foundVersion()).isZero())
                        .hasMessageContaining(
                                "not found, this store needs V" + SHIPPED + ": run V1__agentmanager_schema.sql");
            } finally {
                drop(pool, database, names);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void flywayUpgradesAnOlderSchemaToTheNewest(TestDatabase database) throws Exception {
        Names names = Names.unique();
        try (HikariDataSource pool = database.pool(database.url(), 4)) {
            try {
                assertThat(dedicated(pool, database, names).target("2").load().migrate().migrationsExecuted)
                        .isEqualTo(2);
                assertThatThrownBy(() -> builder(pool, names).build())
                        .isInstanceOf(SchemaVersionException.class)
                        .hasMessageContaining("is at V2, this store needs V" + SHIPPED + ": run V3__sweep_lock.sql");

                assertThat(dedicated(pool, database, names).load().migrate().migrationsExecuted)
                        .isEqualTo(SHIPPED - 2);
                try (JdbcAgentStore store = builder(pool, names).build()) {
                    works(store);
                }

                // The next version, which only the tests have, dropped beside the others.
                Path next = probe(database, "V" + (SHIPPED + 1) + "__upgrade_probe.sql");
                assertThat(dedicated(pool, database, names)
                                .locations(database.dialect.scriptLocation(), "filesystem:" + next)
                                .load()
                                .migrate()
                                .migrationsExecuted)
                        .isEqualTo(1);
                try (JdbcAgentStore store =
                        builder(pool, names).schemaScripts(withProbe(database)).build()) {
                    assertThat(store.schemaVersion()).isEqualTo(SHIPPED + 1);
                    assertThat(store.findAgent("agent-001")).isPresent();
                }
            } finally {
                drop(pool, database, names);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void insideTheHostsOwnMigrationSetAsRepeatableMigrations(TestDatabase database) throws Exception {
        Names names = Names.unique();
        String agentmanager = database.dialect.repeatableScriptLocation();
        try (HikariDataSource pool = database.pool(database.url(), 4)) {
            try {
                assertThat(host(pool, names, agentmanager).load().migrate().migrationsExecuted)
                        .as("the host's V1 and V2, then agentmanager's scripts: no version shared")
                        .isEqualTo(2 + SHIPPED);
                try (JdbcAgentStore store = builder(pool, names).build()) {
                    assertThat(store.schemaVersion()).isEqualTo(SHIPPED);
                    works(store);
                }

                assertThat(host(pool, names, agentmanager, "classpath:db/hostapp-later")
                                .load()
                                .migrate()
                                .migrationsExecuted)
                        .as("the host's next migration still runs")
                        .isEqualTo(1);

                Path next = probe(database, String.format("R__agentmanager_v%03d_upgrade_probe.sql", SHIPPED + 1));
                Flyway upgraded = host(pool, names, agentmanager, "classpath:db/hostapp-later", "filesystem:" + next)
                        .load();
                assertThat(upgraded.migrate().migrationsExecuted)
                        .as("agentmanager's next version runs, and only it")
                        .isEqualTo(1);
                assertThat(upgraded.migrate().migrationsExecuted).isZero();
                assertThat(count(pool, "SELECT COUNT(*) FROM " + names.prefix() + "upgrade_probe"))
                        .isEqualTo(1);
                try (JdbcAgentStore store =
                        builder(pool, names).schemaScripts(withProbe(database)).build()) {
                    assertThat(store.schemaVersion()).isEqualTo(SHIPPED + 1);
                    assertThat(store.findAgent("agent-001")).isPresent();
                }
                assertThat(upgraded.info().current().getVersion().getVersion())
                        .as("the host's versions stay the host's")
                        .isEqualTo("3");
            } finally {
                drop(pool, database, names);
            }
        }
    }

    /** Why the repeatable set: versions in a reserved range sort after the host's, whose next one is then refused. */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aReservedVersionRangeWouldRefuseTheHostsNextMigration(TestDatabase database) throws Exception {
        Names names = Names.unique();
        Path reserved = Files.createTempDirectory(scratch, "reserved");
        for (SchemaScripts.Script script :
                SchemaScripts.shipped(database.dialect).scripts()) {
            Files.writeString(
                    reserved.resolve("V1000_" + script.version() + "__"
                            + script.name().substring(script.name().indexOf("__") + 2)),
                    SchemaScripts.read(script.resource()),
                    StandardCharsets.UTF_8);
        }
        try (HikariDataSource pool = database.pool(database.url(), 4)) {
            try {
                assertThat(host(pool, names, "filesystem:" + reserved).load().migrate().migrationsExecuted)
                        .isEqualTo(2 + SHIPPED);

                assertThatThrownBy(() -> host(pool, names, "filesystem:" + reserved, "classpath:db/hostapp-later")
                                .load()
                                .migrate())
                        .isInstanceOf(FlywayException.class)
                        .hasMessageContaining("not applied");
            } finally {
                drop(pool, database, names);
            }
        }
    }
}
