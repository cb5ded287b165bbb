package dev.agentmanager.benchmarks;

import java.util.Locale;

/**
 * What a JDBC statement of a replica was for, told from the thread that ran it and its SQL text
 * ({@link CountingDataSource}): the heartbeat path's reads on the beating threads, the heartbeat flush wherever it
 * runs, and the background readers by their thread names. A statement no rule knows counts as {@link #OTHER}, so
 * that a new statement of the store shows up rather than vanishes.
 */
enum StatementKind {
    AGENT_READ("agentRead", "agent reads on the heartbeat path"),
    STATE_READ("stateRead", "liveness state reads on the heartbeat path"),
    CERTIFICATE("certificate", "certificate look-ups of the validity check"),
    BEAT_OTHER("beatOther", "other statements on the heartbeat path"),
    CHANGE_FEED("changeFeed", "agent change feed"),
    FEED("feed", "revocation feed"),
    FEED_CLOCK("feedClock", "database time read with a feed (either feed)"),
    FLUSH("flush", "heartbeat flush"),
    CLOCK("clock", "clock synchronization"),
    MONITOR("monitor", "timeout monitor"),
    OTHER("other", "other background statements");

    /** The caller label of the threads that beat. */
    static final String BEAT = "beat";

    final String key;
    final String label;

    StatementKind(String key, String label) {
        this.key = key;
        this.label = label;
    }

    /** The caller label of a thread, by its name: {@link #BEAT} for those named {@code beatPrefix...}. */
    static String callerOf(String threadName, String beatPrefix) {
        if (threadName.startsWith(beatPrefix)) {
            return BEAT;
        }
        if (threadName.startsWith("agentmanager-jdbc-store-")) {
            return "store";
        }
        if (threadName.startsWith("agentmanager-revocation-feed")) {
            return "feed";
        }
        if (threadName.startsWith("agentmanager-timeout-monitor")) {
            return "monitor";
        }
        return threadName;
    }

    /**
     * The kind of a statement: by its SQL text where that tells (the feeds, the flush, a database time read), else by
     * the thread that ran it. A read of the database's time alone belongs to a feed read (which starts with one) unless
     * the store's background thread ran it: that is the clock synchronization.
     */
    static StatementKind of(CountingDataSource.Key statement) {
        String sql = statement.sql().toLowerCase(Locale.ROOT);
        boolean liveness = sql.contains("agent_liveness");
        if (sql.contains("changed_at")) {
            return CHANGE_FEED;
        }
        if (sql.contains("revocation_logged_at")) {
            return FEED;
        }
        // the flush: its planner settings, the conditional UPDATE and the re-read of refused rows
        if (sql.contains("set_config(")
                || (liveness && sql.startsWith("update") && !statement.caller().equals(BEAT))
                || (liveness && sql.startsWith("select agent_id, version, boot_epoch, sequence_no"))) {
            return FLUSH;
        }
        if (sql.startsWith("select") && !sql.contains(" from ") && sql.contains("timestamp")) {
            return statement.caller().equals("store") ? CLOCK : FEED_CLOCK;
        }
        return switch (statement.caller()) {
            case BEAT -> {
                if (sql.contains(" join ")) {
                    yield AGENT_READ;
                }
                if (liveness && sql.startsWith("select version, boot_epoch, sequence_no")) {
                    yield STATE_READ;
                }
                yield sql.contains("certificates") ? CERTIFICATE : BEAT_OTHER;
            }
            case "monitor" -> MONITOR;
            default -> OTHER;
        };
    }
}
