package dev.agentmanager.store.jdbc;

import dev.agentmanager.store.jdbc.internal.Sql;
import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Attempt logs as chunks keyed by (task, attempt, byte offset). An append inserts its chunk at the log's current
 * length; the primary key refuses a second chunk at the same offset, so of racing or retried appends exactly one
 * lands and the others see the new length.
 */
final class TaskLogs {
    private final Jdbc db;
    private final String length;
    private final String taskExists;
    private final String insert;
    private final String read;

    TaskLogs(Jdbc db, Sql sql) {
        this.db = db;
        this.length = "SELECT log_offset + chunk_length FROM " + sql.taskLogs
                + " WHERE task_id = ? AND attempt = ? ORDER BY log_offset DESC LIMIT 1";
        this.taskExists = "SELECT 1 FROM " + sql.tasks + " WHERE id = ?";
        this.insert = "INSERT INTO " + sql.taskLogs
                + " (task_id, attempt, log_offset, chunk_length, chunk) VALUES (?, ?, ?, ?, ?)";
        this.read = "SELECT log_offset, chunk FROM " + sql.taskLogs
                + " WHERE task_id = ? AND attempt = ? AND log_offset < ?"
                + " AND log_offset + chunk_length > ? ORDER BY log_offset";
    }

    long append(String taskId, int attempt, long offset, byte[] chunk) {
        return db.read("append task log", c -> {
            long now = length(c, taskId, attempt);
            if (now != offset || chunk.length == 0 || !taskExists(c, taskId)) {
                return now;
            }
            try (PreparedStatement ps = c.prepareStatement(insert)) {
                ps.setString(1, taskId);
                ps.setInt(2, attempt);
                ps.setLong(3, offset);
                ps.setInt(4, chunk.length);
                ps.setBytes(5, chunk);
                ps.executeUpdate();
                return offset + chunk.length;
            } catch (SQLException e) {
                if (Sql.isIntegrityViolation(e)) {
                    return length(c, taskId, attempt); // another append at this offset won
                }
                throw e;
            }
        });
    }

    byte[] read(String taskId, int attempt, long offset, int maxBytes) {
        if (offset < 0 || maxBytes < 1) {
            return new byte[0];
        }
        long end = offset + maxBytes;
        return db.read("read task log", c -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (PreparedStatement ps = c.prepareStatement(read)) {
                ps.setString(1, taskId);
                ps.setInt(2, attempt);
                ps.setLong(3, end);
                ps.setLong(4, offset);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long at = rs.getLong(1);
                        byte[] chunk = rs.getBytes(2);
                        long from = Math.max(offset, at);
                        long to = Math.min(end, at + chunk.length);
                        if (from < to) {
                            out.write(chunk, (int) (from - at), (int) (to - from));
                        }
                    }
                }
            }
            return out.toByteArray();
        });
    }

    private long length(Connection c, String taskId, int attempt) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(length)) {
            ps.setString(1, taskId);
            ps.setInt(2, attempt);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private boolean taskExists(Connection c, String taskId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(taskExists)) {
            ps.setString(1, taskId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
