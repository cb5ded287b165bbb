package dev.agentmanager.store.jdbc;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.TokenRedemption;
import dev.agentmanager.store.jdbc.internal.Json;
import dev.agentmanager.store.jdbc.internal.Rows;
import dev.agentmanager.store.jdbc.internal.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** The registration-token tables: tokens and their redemptions, and the one statement that consumes a use. */
final class TokenRecords {
    private final Jdbc db;
    private final Sql sql;

    TokenRecords(Jdbc db, Sql sql) {
        this.db = db;
        this.sql = sql;
    }

    void insert(RegistrationToken token) {
        requireNonNull(token, "token");
        Jdbc.requireStorableId("token id", token.id());
        Jdbc.requireStorableId("re-enrollment agent id", token.reenrollAgentId());
        for (TokenRedemption r : token.redemptions()) {
            Jdbc.requireStorableId("redemption agent id", r.agentId());
        }
        db.inTransaction("insert token", "registration token already exists: " + token.id(), c -> {
            Instant lastRedeemed = null;
            for (TokenRedemption r : token.redemptions()) {
                lastRedeemed = Rows.latest(lastRedeemed, r.redeemedAt());
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.tokens
                    + " (id, secret_hash, description, created_at, expires_at, scope_labels, scope_capabilities,"
                    + " max_uses, uses, failed_attempts, revoked_at, last_redeemed_at, reenroll_agent_id)"
                    + " VALUES (?, ?, ?, ?, ?, " + sql.jsonParameter() + ", " + sql.jsonParameter()
                    + ", ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, token.id());
                ps.setString(2, token.secretHash());
                ps.setString(3, token.description());
                sql.setInstant(ps, 4, token.createdAt());
                sql.setInstant(ps, 5, token.expiresAt());
                ps.setString(6, Json.labels(token.scope().labels()));
                ps.setString(7, Json.names(token.scope().allowedCapabilities()));
                ps.setInt(8, token.maxUses());
                ps.setInt(9, token.uses());
                ps.setInt(10, token.failedAttempts());
                sql.setInstant(ps, 11, token.revokedAt());
                sql.setInstant(ps, 12, lastRedeemed);
                ps.setString(13, token.reenrollAgentId());
                ps.executeUpdate();
            }
            for (TokenRedemption r : token.redemptions()) {
                insertRedemption(c, token.id(), r);
            }
        });
    }

    private void insertRedemption(Connection c, String tokenId, TokenRedemption r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO " + sql.redemptions + " (" + Rows.REDEMPTION_COLUMNS + ") VALUES (?, ?, ?, ?, ?)")) {
            Rows.bindRedemption(ps, sql, tokenId, r);
            ps.executeUpdate();
        }
    }

    Optional<RegistrationToken> find(String tokenId) {
        requireNonNull(tokenId, "tokenId");
        return db.read("find token", c -> {
            List<RegistrationToken> tokens = readTokens(c, " WHERE id = ?", List.of(tokenId), 1);
            return tokens.isEmpty() ? Optional.empty() : Optional.of(tokens.get(0));
        });
    }

    /** The token with only the redemptions by one key, its use count from the tokens table: two indexed reads. */
    Optional<RegistrationToken> findForRedemption(String tokenId, String publicKeySha256) {
        requireNonNull(tokenId, "tokenId");
        requireNonNull(publicKeySha256, "publicKeySha256");
        return db.read("find token", c -> {
            RegistrationToken token;
            int uses;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + Rows.TOKEN_COLUMNS + ", uses FROM " + sql.tokens + " WHERE id = ?")) {
                ps.setString(1, tokenId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<RegistrationToken>empty();
                    }
                    token = Rows.token(rs, sql, List.of());
                    uses = rs.getInt(12);
                }
            }
            List<TokenRedemption> byKey = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + Rows.REDEMPTION_COLUMNS + " FROM "
                    + sql.redemptions + " WHERE token_id = ? AND public_key_sha256 = ? ORDER BY id")) {
                ps.setString(1, tokenId);
                ps.setString(2, publicKeySha256);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        byKey.add(Rows.redemption(rs, sql));
                    }
                }
            }
            return Optional.of(new RegistrationToken(
                    token.id(),
                    token.secretHash(),
                    token.description(),
                    token.createdAt(),
                    token.expiresAt(),
                    token.scope(),
                    token.maxUses(),
                    byKey,
                    token.failedAttempts(),
                    token.revokedAt(),
                    token.reenrollAgentId(),
                    Math.max(uses, byKey.size())));
        });
    }

    List<RegistrationToken> list(@Nullable String afterId, int limit) {
        Jdbc.requirePositive(limit, "limit");
        return db.read(
                "list tokens",
                c -> afterId == null
                        ? readTokens(c, "", List.of(), limit)
                        : readTokens(c, " WHERE id > ?", List.of(afterId), limit));
    }

    private List<RegistrationToken> readTokens(Connection c, String where, List<String> params, int limit)
            throws SQLException {
        List<String> ids = new ArrayList<>();
        Map<String, List<TokenRedemption>> redemptions = new HashMap<>();
        List<RegistrationToken> tokens = new ArrayList<>();
        // Tokens first, then their redemptions in one query per 500 tokens.
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT " + Rows.TOKEN_COLUMNS + " FROM " + sql.tokens + where + " ORDER BY id LIMIT ?")) {
            int i = 1;
            for (String p : params) {
                ps.setString(i++, p);
            }
            ps.setInt(i, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    ids.add(id);
                    redemptions.put(id, new ArrayList<>());
                    tokens.add(Rows.token(rs, sql, List.of()));
                }
            }
        }
        if (ids.isEmpty()) {
            return tokens;
        }
        for (int from = 0; from < ids.size(); from += 500) {
            List<String> page = ids.subList(from, Math.min(ids.size(), from + 500));
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT " + Rows.REDEMPTION_COLUMNS + " FROM " + sql.redemptions
                            + " WHERE token_id IN (" + Jdbc.placeholders(page.size()) + ") ORDER BY token_id, id")) {
                for (int i = 0; i < page.size(); i++) {
                    ps.setString(i + 1, page.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        redemptions
                                .computeIfAbsent(rs.getString(1), id -> new ArrayList<>())
                                .add(Rows.redemption(rs, sql));
                    }
                }
            }
        }
        List<RegistrationToken> result = new ArrayList<>(tokens.size());
        for (RegistrationToken t : tokens) {
            result.add(new RegistrationToken(
                    t.id(),
                    t.secretHash(),
                    t.description(),
                    t.createdAt(),
                    t.expiresAt(),
                    t.scope(),
                    t.maxUses(),
                    redemptions.getOrDefault(t.id(), List.of()),
                    t.failedAttempts(),
                    t.revokedAt(),
                    t.reenrollAgentId()));
        }
        return result;
    }

    boolean revoke(String tokenId, Instant revokedAt) {
        requireNonNull(tokenId, "tokenId");
        requireNonNull(revokedAt, "revokedAt");
        return db.read("revoke token", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.tokens
                    + " SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL AND uses < max_uses")) {
                sql.setInstant(ps, 1, revokedAt);
                ps.setString(2, tokenId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    int recordFailedAttempt(String tokenId) {
        requireNonNull(tokenId, "tokenId");
        return db.transaction("record failed attempt", null, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE " + sql.tokens + " SET failed_attempts = failed_attempts + 1 WHERE id = ?")) {
                ps.setString(1, tokenId);
                if (ps.executeUpdate() == 0) {
                    return 0;
                }
            }
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT failed_attempts FROM " + sql.tokens + " WHERE id = ?")) {
                ps.setString(1, tokenId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getInt(1) : 0;
                }
            }
        });
    }

    int prune(Instant cutoff, int limit) {
        requireNonNull(cutoff, "cutoff");
        Jdbc.requirePositive(limit, "limit");
        return db.transaction("prune tokens", null, c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM " + sql.tokens
                    + " WHERE expires_at < ? OR revoked_at < ? OR (uses >= max_uses AND last_redeemed_at < ?)"
                    + " ORDER BY id LIMIT ?")) {
                sql.setInstant(ps, 1, cutoff);
                sql.setInstant(ps, 2, cutoff);
                sql.setInstant(ps, 3, cutoff);
                ps.setInt(4, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
            }
            int deleted = 0;
            for (int from = 0; from < ids.size(); from += 500) {
                List<String> page = ids.subList(from, Math.min(ids.size(), from + 500));
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + sql.redemptions + " WHERE token_id IN ("
                        + Jdbc.placeholders(page.size()) + ")")) {
                    Jdbc.bindStrings(ps, page);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "DELETE FROM " + sql.tokens + " WHERE id IN (" + Jdbc.placeholders(page.size()) + ")")) {
                    Jdbc.bindStrings(ps, page);
                    deleted += ps.executeUpdate();
                }
            }
            return deleted;
        });
    }

    /** The one conditional statement that consumes a use: exactly one of racing registrations wins. */
    boolean consume(Connection c, String tokenId, TokenRedemption redemption, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.tokens
                + " SET uses = uses + 1, last_redeemed_at = ?"
                + " WHERE id = ? AND uses < max_uses AND revoked_at IS NULL AND expires_at > ?")) {
            sql.setInstant(ps, 1, redemption.redeemedAt());
            ps.setString(2, tokenId);
            sql.setInstant(ps, 3, now);
            if (ps.executeUpdate() == 0) {
                return false;
            }
        }
        insertRedemption(c, tokenId, redemption);
        return true;
    }
}
