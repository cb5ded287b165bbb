package dev.agentmanager.benchmarks;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerBuilder;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.event.AbstractSchedulerListener;
import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import dev.agentmanager.store.jdbc.JdbcDialect;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import javax.sql.DataSource;

/**
 * The peer of {@link TaskThroughputRuns}: db-scheduler (its Maven artifact) on its own table in the same database,
 * two {@link Scheduler}s on two pools with the same total number of worker threads, running executions of one
 * {@link OneTimeTask} whose handler only records that it ran. A one-time execution is deleted when it completes,
 * so an execution is done once its scheduler's completion listener has seen it (after the delete).
 *
 * <p>Polling: PostgreSQL uses lock-and-fetch ({@code SELECT ... FOR UPDATE SKIP LOCKED} inside one
 * {@code UPDATE ... RETURNING}) with the README's high-throughput fractions {@code 1.0, 4.0} ("For high throughput
 * (i.e. keep threads busy), set to for example 1.0, 4.0", README, Polling strategy); MariaDB uses
 * fetch-and-lock-on-execute, as db-scheduler has no lock-and-fetch for MariaDB
 * ({@code MariaDBJdbcCustomization.supportsGenericLockAndFetch()} is false), with fractions {@code 0.5, 4.0} (the
 * README's benchmark table: "lower: 0.5, upper: 4.0", its best fetch figure). Both poll every
 * {@link #POLLING_INTERVAL}, so that a partial batch (the other scheduler took rows first) costs little wait.
 * MariaDB stores timestamps in UTC, as the README asks for MySQL and MariaDB.
 */
final class DbSchedulerPeer {
    static final Duration POLLING_INTERVAL = Duration.ofMillis(10);
    static final double LOCK_AND_FETCH_LOWER = 1.0;
    static final double LOCK_AND_FETCH_UPPER = 4.0;
    static final double FETCH_LOWER = 0.5;
    static final double FETCH_UPPER = 4.0;
    private static final String TASK = "bench-task";

    private final JdbcDialect dialect;
    private final String table;
    private final List<DataSource> pools;
    private final int threads;

    /**
     * A peer on {@code table} (created by {@link #createTable}) whose schedulers use {@code pools} (one each) and
     * {@code threads} worker threads in total, split evenly.
     */
    DbSchedulerPeer(JdbcDialect dialect, String table, List<DataSource> pools, int threads) {
        if (threads % pools.size() != 0) {
            throw new IllegalArgumentException(threads + " threads do not split over " + pools.size() + " schedulers");
        }
        this.dialect = dialect;
        this.table = table;
        this.pools = pools;
        this.threads = threads;
    }

    /** How the schedulers poll on {@code dialect}, for the report. */
    static String strategy(JdbcDialect dialect) {
        return dialect == JdbcDialect.POSTGRESQL
                ? String.format(
                        Locale.ROOT,
                        "lock-and-fetch %.1f/%.1f, poll %d ms",
                        LOCK_AND_FETCH_LOWER,
                        LOCK_AND_FETCH_UPPER,
                        POLLING_INTERVAL.toMillis())
                : String.format(
                        Locale.ROOT,
                        "fetch %.1f/%.1f, poll %d ms",
                        FETCH_LOWER,
                        FETCH_UPPER,
                        POLLING_INTERVAL.toMillis());
    }

    /**
     * Creates db-scheduler's table under the name {@code table}: the columns and indexes of db-scheduler's own
     * schema files ({@code db-scheduler/src/test/resources/postgresql_tables.sql} and {@code mariadb_tables.sql}
     * at v16.7.1), the index names prefixed with the table's name, since PostgreSQL's are per schema.
     */
    static void createTable(Connection c, JdbcDialect dialect, String table) throws SQLException {
        try (Statement s = c.createStatement()) {
            if (dialect == JdbcDialect.POSTGRESQL) {
                s.execute("CREATE TABLE " + table + " (task_name text NOT NULL, task_instance text NOT NULL,"
                        + " task_data bytea, execution_time timestamp with time zone NOT NULL,"
                        + " picked boolean NOT NULL, picked_by text, last_success timestamp with time zone,"
                        + " last_failure timestamp with time zone, consecutive_failures int,"
                        + " last_heartbeat timestamp with time zone, version bigint NOT NULL, priority smallint,"
                        + " PRIMARY KEY (task_name, task_instance))");
                s.execute("CREATE INDEX " + table + "_execution_time_idx ON " + table + " (execution_time)");
                s.execute("CREATE INDEX " + table + "_last_heartbeat_idx ON " + table + " (last_heartbeat)");
                s.execute("CREATE INDEX " + table + "_priority_execution_time_idx ON " + table
                        + " (priority DESC, execution_time ASC)");
            } else if (dialect == JdbcDialect.MARIADB) {
                s.execute("CREATE TABLE " + table + " (task_name varchar(100) NOT NULL,"
                        + " task_instance varchar(100) NOT NULL, task_data blob, execution_time datetime(6) NOT NULL,"
                        + " picked boolean NOT NULL, picked_by varchar(50), last_success datetime(6) NULL,"
                        + " last_failure datetime(6) NULL, consecutive_failures int, last_heartbeat datetime(6) NULL,"
                        + " version bigint NOT NULL, priority smallint, PRIMARY KEY (task_name, task_instance),"
                        + " INDEX execution_time_idx (execution_time), INDEX last_heartbeat_idx (last_heartbeat),"
                        + " INDEX priority_execution_time_idx (priority DESC, execution_time ASC))");
            } else {
                throw new IllegalArgumentException("db-scheduler runs here on PostgreSQL and MariaDB only: " + dialect);
            }
        }
    }

    /**
     * One round: schedules {@code tasks} executions due now (untimed, in batches), starts both schedulers and waits
     * until every execution has completed, then stops them. Checks that each execution ran exactly once, none
     * failed, and the table is empty. Returns executions per second, from the schedulers' start to the last
     * completion.
     */
    double round(int tasks) throws Exception {
        AtomicIntegerArray ran = new AtomicIntegerArray(tasks);
        CountDownLatch completed = new CountDownLatch(tasks);
        AtomicInteger failed = new AtomicInteger();
        OneTimeTask<Void> task =
                Tasks.oneTime(TASK).execute((instance, context) -> ran.incrementAndGet(index(instance)));
        List<Scheduler> schedulers = new ArrayList<>();
        for (int i = 0; i < pools.size(); i++) {
            SchedulerBuilder builder = Scheduler.create(pools.get(i), task)
                    .tableName(table)
                    .schedulerName(new SchedulerName.Fixed("bench-" + i))
                    .threads(threads / pools.size())
                    .pollingInterval(POLLING_INTERVAL)
                    .shutdownMaxWait(Duration.ofSeconds(10))
                    .addSchedulerListener(new AbstractSchedulerListener() {
                        @Override
                        public void onExecutionComplete(ExecutionComplete complete) {
                            if (complete.getResult() != ExecutionComplete.Result.OK) {
                                failed.incrementAndGet();
                            }
                            completed.countDown();
                        }
                    });
            if (dialect == JdbcDialect.POSTGRESQL) {
                builder.pollUsingLockAndFetch(LOCK_AND_FETCH_LOWER, LOCK_AND_FETCH_UPPER);
            } else {
                builder.alwaysPersistTimestampInUTC().pollUsingFetchAndLockOnExecute(FETCH_LOWER, FETCH_UPPER);
            }
            schedulers.add(builder.build());
        }
        schedule(schedulers.get(0), task, tasks);
        long start = System.nanoTime();
        schedulers.forEach(Scheduler::start);
        boolean done;
        try {
            done = completed.await(10, TimeUnit.MINUTES);
        } finally {
            schedulers.forEach(Scheduler::stop);
        }
        double rate = tasks * 1e9 / (System.nanoTime() - start);
        check(done, tasks, ran, failed.get());
        return rate;
    }

    private static int index(TaskInstance<Void> instance) {
        return Integer.parseInt(instance.getId());
    }

    /** Schedules instances {@code 0 .. tasks-1}, due now, through the client's batch insert. */
    private static void schedule(Scheduler scheduler, OneTimeTask<Void> task, int tasks) {
        Instant now = Instant.now();
        List<TaskInstance<?>> batch = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            batch.add(task.instance(Integer.toString(i)));
            if (batch.size() == 1_000 || i == tasks - 1) {
                scheduler.scheduleBatch(batch, now);
                batch = new ArrayList<>();
            }
        }
    }

    private void check(boolean done, int tasks, AtomicIntegerArray ran, int failed) throws SQLException {
        int once = 0;
        int more = 0;
        for (int i = 0; i < tasks; i++) {
            int n = ran.get(i);
            if (n == 1) {
                once++;
            } else if (n > 1) {
                more++;
            }
        }
        long left;
        try (Connection c = pools.get(0).getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            left = rs.getLong(1);
        }
        if (!done || failed != 0 || once != tasks || more != 0 || left != 0) {
            throw new IllegalStateException(String.format(
                    Locale.ROOT,
                    "db-scheduler: %d executions, %s; ran once %d, more than once %d, failed %d, rows left %d",
                    tasks,
                    done ? "all completed" : "not all completed in 10 minutes",
                    once,
                    more,
                    failed,
                    left));
        }
    }
}
