package dev.agentmanager.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.store.jdbc.internal.SchemaScripts;
import dev.agentmanager.testkit.MutableClock;
import dev.agentmanager.testkit.TestAgents;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Builder validation, dialect detection and schema creation, on H2. */
class JdbcAgentStoreBuilderTest {
    private HikariDataSource pool;
    private final List<JdbcAgentStore> stores = new ArrayList<>();

    @BeforeEach
    void open() {
        pool = TestDatabase.H2.pool(TestDatabase.H2.url(), 4);
    }

    @AfterEach
    void close() {
        stores.forEach(JdbcAgentStore::close);
        pool.close();
    }

    private JdbcAgentStore keep(JdbcAgentStore store) {
        stores.add(store);
        return store;
    }

    @Test
    void rejectsNullAndOutOfRangeSettingsAtOnce() {
        assertThatThrownBy(() -> JdbcAgentStore.builder(null)).isInstanceOf(NullPointerException.class);
        JdbcAgentStoreBuilder b = JdbcAgentStore.builder(pool);
        assertThatThrownBy(() -> b.tablePrefix("Agents_")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.tablePrefix("am; DROP TABLE x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.tablePrefix("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.tablePrefix("a234567890123456789012345"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.batchSize(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.batchSize(JdbcAgentStore.MAX_BATCH_SIZE + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.heartbeatFlushInterval(Duration.ofMillis(5)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.heartbeatFlushInterval(Duration.ofMinutes(2)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.clockSyncInterval(Duration.ofMillis(10)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.clockSyncInterval(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.heartbeatCacheExpiry(Duration.ofMillis(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.clock(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> b.dialect(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void rejectsASettingGivenTwice() {
        JdbcAgentStoreBuilder b = JdbcAgentStore.builder(pool)
                .tablePrefix("am_")
                .batchSize(10)
                .clock(Clock.systemUTC())
                .coalesceHeartbeats(true)
                .createSchemaIfMissing();
        assertThatThrownBy(() -> b.tablePrefix("am_")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> b.batchSize(10)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> b.clock(Clock.systemUTC())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> b.coalesceHeartbeats(false)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(b::createSchemaIfMissing).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void detectsTheDialectAndCreatesTheSchemaOnce() {
        JdbcAgentStore store =
                keep(JdbcAgentStore.builder(pool).createSchemaIfMissing().build());
        assertThat(store.dialect()).isEqualTo(JdbcDialect.H2);
        assertThat(store.tablePrefix()).isEqualTo(JdbcAgentStore.DEFAULT_TABLE_PREFIX);
        store.insertToken(TestAgents.oneTimeToken("tok-001", MutableClock.DEFAULT_START));

        store.createSchemaIfMissing(); // idempotent: keeps the data
        JdbcAgentStore again =
                keep(JdbcAgentStore.builder(pool).createSchemaIfMissing().build());
        assertThat(again.findToken("tok-001")).isPresent();
    }

    @Test
    void withoutTheSchemaBuildFailsNamingTheScriptsToRun() {
        JdbcAgentStoreBuilder builder =
                JdbcAgentStore.builder(pool).dialect(JdbcDialect.H2).tablePrefix("none_");
        assertThatThrownBy(builder::build)
                .isInstanceOfSatisfying(SchemaVersionException.class, e -> {
                    assertThat(e.foundVersion()).isZero();
                    assertThat(e.requiredVersion()).isEqualTo(SchemaScripts.SCRIPTS.size());
                    assertThat(e.missingScripts()).isEqualTo(SchemaScripts.SCRIPTS);
                    assertThat(e.tablePrefix()).isEqualTo("none_");
                })
                .hasMessageStartingWith("agentmanager schema with table prefix 'none_' not found, this store needs V"
                        + SchemaScripts.SCRIPTS.size() + ": run V1__agentmanager_schema.sql, ")
                .hasMessageContaining("from classpath:db/agentmanager/h2 (or createSchemaIfMissing())");
    }

    @Test
    void prefixesKeepStoresApartOnOneDatabase() {
        JdbcAgentStore one = keep(JdbcAgentStore.builder(pool)
                .tablePrefix("one_")
                .createSchemaIfMissing()
                .build());
        JdbcAgentStore two = keep(JdbcAgentStore.builder(pool)
                .tablePrefix("two_")
                .createSchemaIfMissing()
                .build());
        TestAgents.NewAgent a = TestAgents.newAgent("agent-001", MutableClock.DEFAULT_START);
        one.insertToken(TestAgents.oneTimeToken("tok-001", MutableClock.DEFAULT_START));
        one.registerAgent(
                "tok-001",
                TestAgents.redemption("agent-001", MutableClock.DEFAULT_START),
                MutableClock.DEFAULT_START,
                a.agent(),
                a.certificate());

        assertThat(one.findAgents(AgentQuery.all())).hasSize(1);
        assertThat(two.findAgents(AgentQuery.all())).isEmpty();
    }

    @Test
    void unreachableDatabaseIsATypedException() throws SQLException {
        HikariDataSource closed = TestDatabase.H2.pool(TestDatabase.H2.url(), 1);
        closed.close();
        assertThatThrownBy(() -> JdbcAgentStore.builder(closed).build()).isInstanceOf(RuntimeException.class);
        try (Connection c = pool.getConnection()) {
            assertThat(JdbcDialect.detect(c.getMetaData())).isEqualTo(JdbcDialect.H2);
        }
    }

    @Test
    void dialectsFromProductNames() {
        assertThat(JdbcDialect.fromProductName("PostgreSQL")).isEqualTo(JdbcDialect.POSTGRESQL);
        assertThat(JdbcDialect.fromProductName("MariaDB")).isEqualTo(JdbcDialect.MARIADB);
        assertThat(JdbcDialect.fromProductName("H2")).isEqualTo(JdbcDialect.H2);
        assertThatThrownBy(() -> JdbcDialect.fromProductName("Oracle")).isInstanceOf(IllegalArgumentException.class);
        assertThat(JdbcDialect.POSTGRESQL.scriptLocation()).isEqualTo("classpath:db/agentmanager/postgresql");
    }

    @Test
    void synchronizesWithTheDatabaseClock() {
        MutableClock clock = MutableClock.at(MutableClock.DEFAULT_START);
        JdbcAgentStore store = keep(JdbcAgentStore.builder(pool)
                .clock(clock)
                .createSchemaIfMissing()
                .build());
        Duration before = store.databaseClockOffset();
        assertThat(before).as("the test clock stands in 2030").isNegative();

        clock.advance(Duration.ofHours(1));
        store.synchronizeClock();

        assertThat(before.minus(store.databaseClockOffset())).isBetween(Duration.ofMinutes(59), Duration.ofMinutes(61));
        JdbcAgentStore local = keep(JdbcAgentStore.builder(pool)
                .clock(clock)
                .useDatabaseClock(false)
                .build());
        assertThat(local.databaseClockOffset()).isZero();
    }
}
