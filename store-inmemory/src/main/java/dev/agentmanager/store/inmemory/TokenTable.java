package dev.agentmanager.store.inmemory;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.TokenRedemption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import org.jspecify.annotations.Nullable;

/**
 * The registration tokens, ordered by id for paging. Every write happens under the store's write lock (the
 * caller holds it), so a check and the write that follows it are one step.
 */
final class TokenTable {
    private final ConcurrentSkipListMap<String, RegistrationToken> tokens = new ConcurrentSkipListMap<>();

    void insert(RegistrationToken token) {
        if (tokens.putIfAbsent(token.id(), token) != null) {
            throw new IllegalStateException("a registration token with id " + token.id() + " exists");
        }
    }

    @Nullable
    RegistrationToken get(String tokenId) {
        return tokens.get(tokenId);
    }

    Optional<RegistrationToken> find(String tokenId) {
        return Optional.ofNullable(tokens.get(requireNonNull(tokenId, "tokenId")));
    }

    void put(RegistrationToken token) {
        tokens.put(token.id(), token);
    }

    List<RegistrationToken> list(@Nullable String afterId, int limit) {
        NavigableMap<String, RegistrationToken> view = afterId == null ? tokens : tokens.tailMap(afterId, false);
        List<RegistrationToken> page = new ArrayList<>(Math.min(limit, 256));
        for (Iterator<RegistrationToken> it = view.values().iterator(); it.hasNext() && page.size() < limit; ) {
            page.add(it.next());
        }
        return page;
    }

    boolean revoke(String tokenId, Instant revokedAt) {
        RegistrationToken token = tokens.get(tokenId);
        if (token == null || token.isRevoked() || token.isExhausted()) {
            return false;
        }
        tokens.put(tokenId, token.withRevokedAt(revokedAt));
        return true;
    }

    int recordFailedAttempt(String tokenId) {
        RegistrationToken token = tokens.get(tokenId);
        if (token == null) {
            return 0;
        }
        int count = token.failedAttempts() == Integer.MAX_VALUE ? Integer.MAX_VALUE : token.failedAttempts() + 1;
        tokens.put(tokenId, token.withFailedAttempts(count));
        return count;
    }

    int prune(Instant cutoff, int limit) {
        int deleted = 0;
        for (Iterator<RegistrationToken> it = tokens.values().iterator(); it.hasNext() && deleted < limit; ) {
            if (isPrunable(it.next(), cutoff)) {
                it.remove();
                deleted++;
            }
        }
        return deleted;
    }

    private static boolean isPrunable(RegistrationToken t, Instant cutoff) {
        Instant revokedAt = t.revokedAt();
        if (t.expiresAt().isBefore(cutoff) || (revokedAt != null && revokedAt.isBefore(cutoff))) {
            return true;
        }
        if (t.isExhausted()) {
            List<TokenRedemption> r = t.redemptions();
            return r.get(r.size() - 1).redeemedAt().isBefore(cutoff);
        }
        return false;
    }

    int size() {
        return tokens.size();
    }
}
