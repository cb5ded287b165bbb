package dev.agentmanager.store.jdbc.internal;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentHealth;
import dev.agentmanager.model.AgentLiveness;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.CertificatePin;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.TokenRedemption;
import dev.agentmanager.model.TokenScope;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Maps rows to model values and model values to statement parameters. */
public final class Rows {
    private Rows() {}

    // ---- agents -----------------------------------------------------------------------------------------

    /** The durable columns of agents, in the order {@link #bindDurable} binds them (id last). */
    public static final String DURABLE_ASSIGNMENTS = "name = ?, status = ?, inactive_reason = ?, capabilities = %1$s,"
            + " allowed_capabilities = %1$s, labels = %1$s, agent_version = ?, health = ?, cert_serial = ?,"
            + " cert_thumbprint = ?, cert_not_before = ?, cert_not_after = ?, next_cert_serial = ?,"
            + " next_cert_thumbprint = ?, next_cert_not_before = ?, next_cert_not_after = ?, registered_at = ?,"
            + " status_changed_at = ?, registration_token_id = ?, version = ?";

    /** The insert column list matching {@link #bindDurable} after the id. */
    public static final String INSERT_COLUMNS = "id, name, status, inactive_reason, capabilities, allowed_capabilities,"
            + " labels, agent_version, health, cert_serial, cert_thumbprint, cert_not_before, cert_not_after,"
            + " next_cert_serial, next_cert_thumbprint, next_cert_not_before, next_cert_not_after, registered_at,"
            + " status_changed_at, registration_token_id, version";

    /** Binds the durable state from index {@code first} on; returns the next free index. */
    public static int bindDurable(PreparedStatement ps, int first, Sql sql, Agent agent, long version)
            throws SQLException {
        int i = first;
        ps.setString(i++, agent.name());
        ps.setString(i++, agent.status().name());
        Sql.setNullableString(
                ps,
                i++,
                agent.inactiveReason() == null ? null : agent.inactiveReason().name());
        ps.setString(i++, Json.capabilities(agent.capabilities()));
        ps.setString(i++, Json.names(agent.allowedCapabilities()));
        ps.setString(i++, Json.labels(agent.labels()));
        Sql.setNullableString(ps, i++, agent.agentVersion());
        ps.setString(i++, agent.health().name());
        CertificatePin cert = agent.certificate();
        ps.setString(i++, cert.serial());
        ps.setString(i++, cert.thumbprint());
        sql.setInstant(ps, i++, cert.notBefore());
        sql.setInstant(ps, i++, cert.notAfter());
        CertificatePin next = agent.nextCertificate();
        Sql.setNullableString(ps, i++, next == null ? null : next.serial());
        Sql.setNullableString(ps, i++, next == null ? null : next.thumbprint());
        sql.setInstant(ps, i++, next == null ? null : next.notBefore());
        sql.setInstant(ps, i++, next == null ? null : next.notAfter());
        sql.setInstant(ps, i++, agent.registeredAt());
        sql.setInstant(ps, i++, agent.statusChangedAt());
        Sql.setNullableString(ps, i++, agent.registrationTokenId());
        ps.setLong(i++, version);
        return i;
    }

    /**
     * Reads an agent selected with {@link Sql#agentColumns}; its liveness instants are still on the database's
     * clock.
     */
    public static Agent agent(ResultSet rs, Sql sql) throws SQLException {
        String id = rs.getString(1);
        String inactiveReason = rs.getString(4);
        String nextSerial = rs.getString(14);
        CertificatePin next = nextSerial == null
                ? null
                : new CertificatePin(
                        nextSerial, rs.getString(15), sql.getRequiredInstant(rs, 16), sql.getRequiredInstant(rs, 17));
        Long skew = Sql.getNullableLong(rs, 26);
        AgentLiveness liveness = new AgentLiveness(
                sql.getInstant(rs, 24),
                rs.getLong(22),
                rs.getLong(23),
                sql.getRequiredInstant(rs, 25),
                skew == null ? null : Duration.ofNanos(skew));
        return new Agent(
                id,
                rs.getString(2),
                AgentStatus.valueOf(rs.getString(3)),
                inactiveReason == null ? null : InactiveReason.valueOf(inactiveReason),
                Json.parseCapabilities(rs.getString(5)),
                Json.parseNames(rs.getString(6)),
                Json.parseLabels(rs.getString(7)),
                rs.getString(8),
                AgentHealth.valueOf(rs.getString(9)),
                new CertificatePin(
                        rs.getString(10),
                        rs.getString(11),
                        sql.getRequiredInstant(rs, 12),
                        sql.getRequiredInstant(rs, 13)),
                next,
                sql.getRequiredInstant(rs, 18),
                sql.getRequiredInstant(rs, 19),
                rs.getString(20),
                rs.getLong(21),
                liveness);
    }

    public static boolean monitored(AgentStatus status) {
        return status == AgentStatus.ACTIVE || status == AgentStatus.PENDING;
    }

    // ---- tokens -----------------------------------------------------------------------------------------

    public static final String TOKEN_COLUMNS = "id, secret_hash, description, created_at, expires_at, scope_labels,"
            + " scope_capabilities, max_uses, failed_attempts, revoked_at, reenroll_agent_id";

    public static RegistrationToken token(ResultSet rs, Sql sql, List<TokenRedemption> redemptions)
            throws SQLException {
        return new RegistrationToken(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                sql.getRequiredInstant(rs, 4),
                sql.getRequiredInstant(rs, 5),
                new TokenScope(Json.parseLabels(rs.getString(6)), Json.parseNames(rs.getString(7))),
                rs.getInt(8),
                redemptions,
                rs.getInt(9),
                sql.getInstant(rs, 10),
                rs.getString(11));
    }

    public static final String REDEMPTION_COLUMNS =
            "token_id, redeemed_at, agent_id, public_key_sha256, remote_address";

    public static TokenRedemption redemption(ResultSet rs, Sql sql) throws SQLException {
        return new TokenRedemption(sql.getRequiredInstant(rs, 2), rs.getString(3), rs.getString(4), rs.getString(5));
    }

    public static void bindRedemption(PreparedStatement ps, Sql sql, String tokenId, TokenRedemption r)
            throws SQLException {
        ps.setString(1, tokenId);
        sql.setInstant(ps, 2, r.redeemedAt());
        ps.setString(3, r.agentId());
        ps.setString(4, r.publicKeySha256());
        Sql.setNullableString(ps, 5, r.remoteAddress());
    }

    // ---- certificates -----------------------------------------------------------------------------------

    public static final String CERTIFICATE_COLUMNS =
            "serial, thumbprint, agent_id, not_before, not_after, certificate_pem, revoked_at";

    public static AgentCertificate certificate(ResultSet rs, Sql sql) throws SQLException {
        return new AgentCertificate(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                sql.getRequiredInstant(rs, 4),
                sql.getRequiredInstant(rs, 5),
                rs.getString(6),
                sql.getInstant(rs, 7));
    }

    public static void bindCertificate(PreparedStatement ps, Sql sql, AgentCertificate c) throws SQLException {
        ps.setString(1, c.serial());
        ps.setString(2, c.thumbprint());
        ps.setString(3, c.agentId());
        sql.setInstant(ps, 4, c.notBefore());
        sql.setInstant(ps, 5, c.notAfter());
        ps.setString(6, c.certificatePem());
        sql.setInstant(ps, 7, c.revokedAt());
    }

    /** The later of two nullable instants. */
    public static @Nullable Instant latest(@Nullable Instant a, @Nullable Instant b) {
        if (a == null) {
            return b;
        }
        return b == null || a.isAfter(b) ? a : b;
    }
}
