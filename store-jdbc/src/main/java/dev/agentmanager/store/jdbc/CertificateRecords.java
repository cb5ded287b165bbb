package dev.agentmanager.store.jdbc;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.store.jdbc.internal.Rows;
import dev.agentmanager.store.jdbc.internal.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The certificate table: every certificate issued to an agent, with its validity and revocation. */
final class CertificateRecords {
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

    List<AgentCertificate> ofAgent(String agentId) {
        requireNonNull(agentId, "agentId");
        return db.read("find certificates", c -> queryCertificates(c, "agent_id = ? ORDER BY record_no", agentId));
    }

    private List<AgentCertificate> queryCertificates(Connection c, String where, String param) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT " + Rows.CERTIFICATE_COLUMNS + " FROM " + sql.certificates + " WHERE " + where)) {
            ps.setString(1, param);
            List<AgentCertificate> result = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(Rows.certificate(rs, sql));
                }
            }
            return result;
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
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE " + sql.certificates + " SET revoked_at = ? WHERE serial = ? AND revoked_at IS NULL")) {
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
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE " + sql.certificates + " SET revoked_at = ? WHERE serial = ? AND revoked_at IS NULL")) {
                sql.setInstant(ps, 1, revokedAt);
                ps.setString(2, serial);
                return ps.executeUpdate() == 1;
            }
        });
    }
}
