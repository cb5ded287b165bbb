package dev.agentmanager.store.jdbc;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.model.Agent;
import dev.agentmanager.spi.MonitorPause;
import dev.agentmanager.store.jdbc.internal.DatabaseClock;
import dev.agentmanager.store.jdbc.internal.Sql;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the timeout monitor needs from the database: overdue agents (through the lagging deadline index), the
 * grace period's deadline extension, and the time of the last sweep of any replica. Deadlines are compared on
 * the database's clock.
 */
final class MonitorRecords {
    private static final System.Logger LOG = System.getLogger(JdbcAgentStore.class.getName());
    private static final String MONITOR_NAME = "timeout-monitor";
    /** How far the host clock may drift from the monotonic clock before the offset is measured again. */
    private static final Duration STEP_TOLERANCE = Duration.ofSeconds(1);

    private final Jdbc db;
    private final Sql sql;
    private final DatabaseClock dbClock;
    private final AgentRecords agents;
    private final HeartbeatPath heartbeats;
    private final boolean watchClockSteps;

    MonitorRecords(
            Jdbc db,
            Sql sql,
            DatabaseClock dbClock,
            AgentRecords agents,
            HeartbeatPath heartbeats,
            boolean watchClockSteps) {
        this.db = db;
        this.sql = sql;
        this.dbClock = dbClock;
        this.agents = agents;
        this.heartbeats = heartbeats;
        this.watchClockSteps = watchClockSteps;
    }

    List<Agent> findOverdue(Instant now, int limit) {
        requireNonNull(now, "now");
        Jdbc.requirePositive(limit, "limit");
        heartbeats.flushIfCoalescing(); // this replica's buffered beats count
        Instant dbNow = dbClock.toDatabase(now);
        List<Agent> stored = db.read(
                "find overdue agents",
                c -> agents.query(
                        c,
                        sql.selectAgents()
                                + " WHERE l.monitored = TRUE AND l.indexed_deadline < ? AND l.deadline < ?"
                                + " AND a.status IN ('ACTIVE', 'PENDING') LIMIT ?",
                        List.of(dbNow, dbNow, limit)));
        List<Agent> result = new ArrayList<>(stored.size());
        for (Agent a : stored) {
            Agent merged = heartbeats.present(a);
            if (merged.liveness().isOverdueAt(now)) {
                result.add(merged);
            }
        }
        return result;
    }

    int extendDeadlines(Instant deadline) {
        requireNonNull(deadline, "deadline");
        Instant dbDeadline = dbClock.toDatabase(deadline);
        return heartbeats.withFlushHeld(() -> db.transaction("extend deadlines", null, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.liveness
                    + " SET deadline = ?, indexed_deadline = ? WHERE monitored = TRUE AND deadline < ?")) {
                sql.setInstant(ps, 1, dbDeadline);
                sql.setInstant(ps, 2, dbDeadline);
                sql.setInstant(ps, 3, dbDeadline);
                return ps.executeUpdate();
            }
        }));
    }

    /**
     * Measures the offset to the database's clock again if this replica's clock stepped since it was measured:
     * checked before every sweep and every heartbeat (a comparison of two clocks; the database is asked only
     * after a step, by one caller).
     */
    void measureAgainIfStepped() {
        if (!watchClockSteps || !dbClock.hostClockStepped(STEP_TOLERANCE)) {
            return;
        }
        synchronized (this) {
            if (dbClock.hostClockStepped(STEP_TOLERANCE)) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "the host clock stepped; measuring the database clock offset again");
                db.execute("synchronize clock", c -> dbClock.synchronize(c, sql));
            }
        }
    }

    /**
     * Records the sweep. First, if this replica's clock stepped since the offset to the database's clock was
     * measured, measures it again, so that deadlines are judged on the database's clock from this sweep on.
     */
    Optional<Instant> recordSweep(Instant now) {
        requireNonNull(now, "now");
        measureAgainIfStepped();
        Instant dbNow = dbClock.toDatabase(now);
        for (int attempt = 1; ; attempt++) {
            try {
                return db.transaction("record sweep", "monitor state", c -> {
                    Instant previous = null;
                    try (PreparedStatement ps = c.prepareStatement(
                            "SELECT last_sweep_at FROM " + sql.monitor + " WHERE name = ? FOR UPDATE")) {
                        ps.setString(1, MONITOR_NAME);
                        try (ResultSet rs = ps.executeQuery()) {
                            if (rs.next()) {
                                previous = sql.getRequiredInstant(rs, 1);
                            }
                        }
                    }
                    if (previous == null) {
                        try (PreparedStatement ps = c.prepareStatement(
                                "INSERT INTO " + sql.monitor + " (name, last_sweep_at) VALUES (?, ?)")) {
                            ps.setString(1, MONITOR_NAME);
                            sql.setInstant(ps, 2, dbNow);
                            ps.executeUpdate();
                        }
                        return Optional.<Instant>empty();
                    }
                    if (previous.isBefore(dbNow)) {
                        try (PreparedStatement ps =
                                c.prepareStatement("UPDATE " + sql.monitor + " SET last_sweep_at = ? WHERE name = ?")) {
                            sql.setInstant(ps, 1, dbNow);
                            ps.setString(2, MONITOR_NAME);
                            ps.executeUpdate();
                        }
                    }
                    return Optional.of(dbClock.toHost(previous));
                });
            } catch (IllegalStateException raceOnFirstInsert) {
                if (attempt >= Jdbc.MAX_ATTEMPTS) {
                    throw raceOnFirstInsert;
                }
            }
        }
    }

    /**
     * Takes the sweep lock: an update that succeeds only when the lock is free, expired or this owner's, else
     * the first insert of the row (which fails on the key if another replica inserted it first).
     */
    boolean tryLockSweep(String owner, Instant now, Duration lease) {
        requireNonNull(owner, "owner");
        requireNonNull(now, "now");
        requireNonNull(lease, "lease");
        Instant dbNow = dbClock.toDatabase(now);
        Instant until = dbNow.plus(lease);
        boolean taken = db.transaction("lock the sweep", null, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.sweepLock
                    + " SET locked_by = ?, locked_until = ? WHERE name = ? AND (locked_until <= ? OR locked_by = ?)")) {
                ps.setString(1, owner);
                sql.setInstant(ps, 2, until);
                ps.setString(3, MONITOR_NAME);
                sql.setInstant(ps, 4, dbNow);
                ps.setString(5, owner);
                return ps.executeUpdate() == 1;
            }
        });
        if (taken) {
            return true;
        }
        try {
            db.inTransaction("lock the sweep", "sweep lock", c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO " + sql.sweepLock + " (name, locked_by, locked_until) VALUES (?, ?, ?)")) {
                    ps.setString(1, MONITOR_NAME);
                    ps.setString(2, owner);
                    sql.setInstant(ps, 3, until);
                    ps.executeUpdate();
                }
            });
            return true;
        } catch (IllegalStateException heldByAnother) {
            return false;
        }
    }

    void unlockSweep(String owner, Instant now) {
        requireNonNull(owner, "owner");
        requireNonNull(now, "now");
        Instant dbNow = dbClock.toDatabase(now);
        db.inTransaction("unlock the sweep", null, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.sweepLock
                    + " SET locked_until = ? WHERE name = ? AND locked_by = ? AND locked_until > ?")) {
                sql.setInstant(ps, 1, dbNow);
                ps.setString(2, MONITOR_NAME);
                ps.setString(3, owner);
                sql.setInstant(ps, 4, dbNow);
                ps.executeUpdate();
            }
        });
    }

    long countExpiredSince(Instant since) {
        requireNonNull(since, "since");
        return db.read("count recent expiries", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT COUNT(*) FROM " + sql.agents
                            + " WHERE status = 'INACTIVE' AND inactive_reason = 'MISSED_HEARTBEATS' AND status_changed_at >= ?")) {
                sql.setInstant(ps, 1, since);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    /** Keeps the pause compensated longest: an update when the row has a shorter one, else the row's first insert. */
    void recordPause(MonitorPause pause) {
        requireNonNull(pause, "pause");
        Instant until = dbClock.toDatabase(pause.until());
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.EPOCH.plus(pause.pause()));
        int updated = db.transaction("record a pause", null, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE " + sql.sweepLock
                            + " SET pause_micros = ?, pause_until = ? WHERE name = ? AND (pause_until IS NULL OR pause_until < ?)")) {
                ps.setLong(1, micros);
                sql.setInstant(ps, 2, until);
                ps.setString(3, MONITOR_NAME);
                sql.setInstant(ps, 4, until);
                return ps.executeUpdate();
            }
        });
        if (updated > 0) {
            return;
        }
        try {
            db.inTransaction("record a pause", "sweep lock", c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.sweepLock
                        + " (name, locked_by, locked_until, pause_micros, pause_until) VALUES (?, '', ?, ?, ?)")) {
                    ps.setString(1, MONITOR_NAME);
                    sql.setInstant(ps, 2, Instant.EPOCH);
                    ps.setLong(3, micros);
                    sql.setInstant(ps, 4, until);
                    ps.executeUpdate();
                }
            });
        } catch (IllegalStateException rowExists) {
            // the row holds a pause compensated at least as long
        }
    }

    Optional<MonitorPause> findPause(Instant now) {
        requireNonNull(now, "now");
        Instant dbNow = dbClock.toDatabase(now);
        return db.read("find the pause", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT pause_micros, pause_until FROM " + sql.sweepLock + " WHERE name = ? AND pause_until > ?")) {
                ps.setString(1, MONITOR_NAME);
                sql.setInstant(ps, 2, dbNow);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<MonitorPause>empty();
                    }
                    return Optional.of(new MonitorPause(
                            Duration.of(rs.getLong(1), ChronoUnit.MICROS),
                            dbClock.toHost(sql.getRequiredInstant(rs, 2))));
                }
            }
        });
    }
}
