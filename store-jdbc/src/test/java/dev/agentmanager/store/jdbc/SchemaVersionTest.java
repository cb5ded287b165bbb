package dev.agentmanager.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.store.jdbc.internal.SchemaScripts;
import dev.agentmanager.testkit.MutableClock;
import dev.agentmanager.testkit.TestAgents;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The recorded schema version: {@code build()} checks it and names what is missing; {@code createSchemaIfMissing()}
 * runs only the missing scripts, once, however many replicas start at the same moment; tables created before
 * versions were recorded are recognised and adopted. The newest version here is one only the tests have
 * ({@code db/agentmanager-test/<dialect>/next__upgrade_probe.sql}), which counts its runs.
 */
class SchemaVersionTest {
    private static final Instant T0 = MutableClock.DEFAULT_START;
    private static final int SHIPPED = SchemaScripts.SCRIPTS.size();

    private static SchemaScripts withProbe(TestDatabase database) {
        return SchemaScripts.shipped(database.dialect)
                .withNext("db/agentmanager-test/" + database.name().toLowerCase(Locale.ROOT)
                        + "/next__upgrade_probe.sql");
    }

    private static void runScripts(DataSource pool, TestDatabase database, String prefix, int upTo, boolean record)
            throws SQLException {
        try (Connection c = pool.getConnection();
                Statement s = c.createStatement()) {
            for (String script : SchemaScripts.SCRIPTS.subList(0, upTo)) {
                for (String statement :
                        SchemaScripts.statements(SchemaScripts.read(database.dialect, script), prefix)) {
                    if (record || !statement.contains("schema_version")) {
                        s.execute(statement);
                    }
                }
            }
        }
    }

    private static long count(DataSource pool, String query) throws SQLException {
        try (Connection c = pool.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static JdbcAgentStoreBuilder builder(DataSource pool, String prefix) {
        return JdbcAgentStore.builder(pool).tablePrefix(prefix).clock(MutableClock.at(T0));
    }

    private static void drop(DataSource pool, String prefix) {
        TestDatabase.dropTables(pool, prefix + "upgrade_probe");
        TestDatabase.drop(pool, prefix);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void buildNamesTheVersionFoundAndTheScriptsMissing(TestDatabase database) throws Exception {
        String prefix = TestDatabase.uniquePrefix();
        try (HikariDataSource pool = database.pool(database.url(), 2)) {
            try {
                runScripts(pool, database, prefix, 2, true);

                assertThatThrownBy(() -> builder(pool, prefix).build())
                        .isInstanceOfSatisfying(SchemaVersionException.class, e -> {
                            assertThat(e.foundVersion()).isEqualTo(2);
                            assertThat(e.versionRecorded()).isTrue();
                            assertThat(e.requiredVersion()).isEqualTo(SHIPPED);
                            assertThat(e.missingScripts()).isEqualTo(SchemaScripts.SCRIPTS.subList(2, SHIPPED));
                        })
                        .hasMessageStartingWith("agentmanager schema with table prefix '" + prefix
                                + "' is at V2, this store needs V" + SHIPPED + ": run V3__sweep_lock.sql")
                        .hasMessageEndingWith(
                                " from " + database.dialect.scriptLocation() + " (or createSchemaIfMissing())");

                try (JdbcAgentStore store =
                        builder(pool, prefix).createSchemaIfMissing().build()) {
                    assertThat(store.schemaVersion()).isEqualTo(SHIPPED);
                }
                assertThat(count(pool, "SELECT COUNT(*) FROM " + prefix + "schema_version"))
                        .isEqualTo(SHIPPED);
            } finally {
                drop(pool, prefix);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void tablesFromBeforeVersionsWereRecordedAreRecognisedAndAdopted(TestDatabase database) throws Exception {
        String legacy = TestDatabase.uniquePrefix();
        try (HikariDataSource pool = database.pool(database.url(), 2)) {
            try {
                runScripts(pool, database, legacy, 3, false); // what createSchemaIfMissing() made before
                try (Connection c = pool.getConnection();
                        Statement s = c.createStatement()) {
                    s.execute("INSERT INTO " + legacy + "monitor_state (name, last_sweep_at) VALUES ('kept', "
                            + (database == TestDatabase.MARIADB ? "UTC_TIMESTAMP(6)" : "CURRENT_TIMESTAMP") + ")");
                }

                assertThatThrownBy(() -> builder(pool, legacy).build())
                        .isInstanceOfSatisfying(SchemaVersionException.class, e -> {
                            assertThat(e.foundVersion()).isEqualTo(3);
                            assertThat(e.versionRecorded()).isFalse();
                        })
                        .hasMessageContaining("hold schema V3 but no version record")
                        .hasMessageContaining("call createSchemaIfMissing() once");

                try (JdbcAgentStore store =
                        builder(pool, legacy).createSchemaIfMissing().build()) {
                    assertThat(store.schemaVersion()).isEqualTo(SHIPPED);
                    store.insertToken(TestAgents.oneTimeToken("tok", T0));
                    assertThat(store.findToken("tok")).isPresent();
                }
                assertThat(count(pool, "SELECT COUNT(*) FROM " + legacy + "monitor_state WHERE name = 'kept'"))
                        .as("adopting runs the idempotent scripts again and keeps the rows")
                        .isEqualTo(1);
            } finally {
                drop(pool, legacy);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void unrecordedTablesAreReadAsTheVersionTheyHold(TestDatabase database) throws Exception {
        String prefix = TestDatabase.uniquePrefix();
        try (HikariDataSource pool = database.pool(database.url(), 2)) {
            try {
                for (int version = 1; version <= 3; version++) {
                    runScripts(pool, database, prefix, version, false);
                    int expected = version;
                    assertThatThrownBy(() -> builder(pool, prefix).build())
                            .isInstanceOfSatisfying(SchemaVersionException.class, e -> {
                                assertThat(e.foundVersion()).isEqualTo(expected);
                                assertThat(e.versionRecorded()).isFalse();
                            })
                            .hasMessageContaining("hold schema V" + expected + " but no version record");
                }
            } finally {
                drop(pool, prefix);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void anUpgradeRunsOnlyTheNewScriptAndKeepsTheData(TestDatabase database) throws Exception {
        String prefix = TestDatabase.uniquePrefix();
        try (HikariDataSource pool = database.pool(database.url(), 4)) {
            try {
                try (JdbcAgentStore store =
                        builder(pool, prefix).createSchemaIfMissing().build()) {
                    store.insertToken(TestAgents.oneTimeToken("tok", T0));
                }
                JdbcAgentStoreBuilder newer = builder(pool, prefix).schemaScripts(withProbe(database));
                assertThatThrownBy(newer::build)
                        .isInstanceOf(SchemaVersionException.class)
                        .hasMessageContaining("is at V" + SHIPPED + ", this store needs V" + (SHIPPED + 1)
                                + ": run next__upgrade_probe.sql");

                try (JdbcAgentStore store = builder(pool, prefix)
                        .schemaScripts(withProbe(database))
                        .createSchemaIfMissing()
                        .build()) {
                    assertThat(store.schemaVersion()).isEqualTo(SHIPPED + 1);
                    assertThat(store.findToken("tok")).isPresent();
                    store.createSchemaIfMissing(); // nothing left to run
                }
                assertThat(count(pool, "SELECT COUNT(*) FROM " + prefix + "upgrade_probe"))
                        .isEqualTo(1);
                try (JdbcAgentStore older = builder(pool, prefix).build()) {
                    assertThat(older.schemaVersion())
                            .as("a replica of the previous release still starts on the newer schema")
                            .isEqualTo(SHIPPED + 1);
                }
            } finally {
                drop(pool, prefix);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void replicasStartingTogetherRunEachScriptOnce(TestDatabase database) throws Exception {
        int replicas = 4;
        String prefix = TestDatabase.uniquePrefix();
        String url = database.url();
        List<HikariDataSource> pools = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(replicas);
        try {
            for (int i = 0; i < replicas; i++) {
                pools.add(database.pool(url, 2));
            }
            CyclicBarrier start = new CyclicBarrier(replicas);
            List<Future<Integer>> versions = new ArrayList<>();
            for (HikariDataSource pool : pools) {
                versions.add(threads.submit(() -> {
                    JdbcAgentStoreBuilder b = builder(pool, prefix)
                            .schemaScripts(withProbe(database))
                            .createSchemaIfMissing();
                    start.await(1, TimeUnit.MINUTES);
                    try (JdbcAgentStore store = b.build()) {
                        return store.schemaVersion();
                    }
                }));
            }
            for (Future<Integer> version : versions) {
                assertThat(version.get(3, TimeUnit.MINUTES)).isEqualTo(SHIPPED + 1);
            }
            assertThat(count(pools.get(0), "SELECT COUNT(*) FROM " + prefix + "upgrade_probe"))
                    .as("the newest script ran once")
                    .isEqualTo(1);
            assertThat(count(pools.get(0), "SELECT COUNT(*) FROM " + prefix + "schema_version"))
                    .isEqualTo(SHIPPED + 1);
        } finally {
            threads.shutdownNow();
            if (!pools.isEmpty()) {
                drop(pools.get(0), prefix);
            }
            pools.forEach(HikariDataSource::close);
        }
    }
}
