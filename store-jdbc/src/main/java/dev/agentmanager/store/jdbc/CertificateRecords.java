package dev.agentmanager.store.jdbc;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.spi.RevocationFeed;
import dev.agentmanager.store.jdbc.internal.Rows;
import dev.agentmanager.store.jdbc.internal.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The certificate table: every certificate issued to an agent, with its validity and revocation, and the
 * revocation feed read from it.
 *
 * <p>A revocation logs the database's clock beside it ({@code revocation_logged_at}). A feed position is a
 * database time in microseconds; a read returns the revocations logged at or after it and hands out the
 * database time at the start of the read less {@link #FEED_OVERLAP} as the next position. The overlap covers
 * a revocation whose statement ran before a read but committed after it (a transaction that long is the
 * limit), so reads repeat the revocations of the last few seconds, which callers expect.
 */
final class CertificateRecords {
    /** How far back each feed read reaches before the previous read's start. */
    static final Duration FEED_OVERLAP = Duration.ofSeconds(10);

    private final Jdbc db;
    private final Sql sql;

    CertificateRecords(Jdbc db, Sql sql) {
        this.db = db;
        this.sql = sql;
    }

    void insert(Connection c, AgentCertificate certificate) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.certificates + " ("
                + Rows.CERTIFICATE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            Rows.bindCertificate(ps, sql, certificate);
            ps.executeUpdate();
        }
    }

    // ---- certificates ----------------------------------------------------------------------------------

    void insert(AgentCertificate certificate) {
        requireNonNull(certificate, "certificate");
        Jdbc.requireStorableId("agent id", certificate.agentId());
        db.inTransaction("insert certificate", "certificate serial already exists: " + certificate.serial(), c -> {
            insert(c, certificate);
        });
    }

    Optional<AgentCertificate> find(String serial) {
        requireNonNull(serial, "serial");
        List<AgentCertificate> found = db.read("find certificate", c -> queryCertificates(c, "serial = ?", serial));
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    Optional<AgentCertificate> findByThumbprint(String thumbprint) {
        requireNonNull(thumbprint, "thumbprint");
        List<AgentCertificate> found =
                db.read("find certificate", c -> queryCertificates(c, "thumbprint = ?", thumbprint));
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    List<AgentCertificate> revokedExpiringAfter(Instant expiringAfter) {
        requireNonNull(expiringAfter, "expiringAfter");
        return db.read("find revoked certificates", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + Rows.CERTIFICATE_COLUMNS + " FROM "
                    + sql.certificates + " WHERE not_after > ? AND revoked_at IS NOT NULL ORDER BY serial")) {
                sql.setInstant(ps, 1, expiringAfter);
                return certificates(ps);
            }
        });
    }

    long feedPosition() {
        return db.read("read the revocation feed position", c -> positionBefore(sql.currentTime(c)));
    }

    RevocationFeed revocationsSince(long position) {
        return db.read("read the revocation feed", c -> {
            Instant start = sql.currentTime(c);
            try (PreparedStatement ps = c.prepareStatement("SELECT " + Rows.CERTIFICATE_COLUMNS + " FROM "
                    + sql.certificates + " WHERE revocation_logged_at >= ?")) {
                sql.setInstant(ps, 1, Instant.EPOCH.plus(position, ChronoUnit.MICROS));
                return new RevocationFeed(certificates(ps), positionBefore(start));
            }
        });
    }

    private static long positionBefore(Instant databaseTime) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, databaseTime.minus(FEED_OVERLAP));
    }

    private String revokeStatement() {
        return "UPDATE " + sql.certificates + " SET revoked_at = ?, revocation_logged_at = "
                + sql.currentTimeExpression() + " WHERE serial = ? AND revoked_at IS NULL";
    }

    private List<AgentCertificate> certificates(PreparedStatement ps) throws SQLException {
        List<AgentCertificate> result = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                result.add(Rows.certificate(rs, sql));
            }
        }
        return result;
    }

    List<AgentCertificate> ofAgent(String agentId) {
        requireNonNull(agentId, "agentId");
        return db.read("find certificates", c -> queryCertificates(c, "agent_id = ? ORDER BY record_no", agentId));
    }

    private List<AgentCertificate> queryCertificates(Connection c, String where, String param) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT " + Rows.CERTIFICATE_COLUMNS + " FROM " + sql.certificates + " WHERE " + where)) {
            ps.setString(1, param);
            return certificates(ps);
        }
    }

    List<String> revokeAll(String agentId, Instant revokedAt) {
        requireNonNull(agentId, "agentId");
        requireNonNull(revokedAt, "revokedAt");
        return db.transaction("revoke certificates", null, c -> {
            List<String> serials = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT serial FROM " + sql.certificates
                    + " WHERE agent_id = ? AND revoked_at IS NULL ORDER BY record_no FOR UPDATE")) {
                ps.setString(1, agentId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        serials.add(rs.getString(1));
                    }
                }
            }
            List<String> revoked = new ArrayList<>();
            for (String serial : serials) {
                try (PreparedStatement ps = c.prepareStatement(revokeStatement())) {
                    sql.setInstant(ps, 1, revokedAt);
                    ps.setString(2, serial);
                    if (ps.executeUpdate() == 1) {
                        revoked.add(serial);
                    }
                }
            }
            return List.copyOf(revoked);
        });
    }

    boolean revoke(String serial, Instant revokedAt) {
        requireNonNull(serial, "serial");
        requireNonNull(revokedAt, "revokedAt");
        return db.transaction("revoke certificate", null, c -> {
            try (PreparedStatement ps = c.prepareStatement(revokeStatement())) {
                sql.setInstant(ps, 1, revokedAt);
                ps.setString(2, serial);
                return ps.executeUpdate() == 1;
            }
        });
    }
}
