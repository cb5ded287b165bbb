package dev.agentmanager.exception;

import org.jspecify.annotations.Nullable;

/** Token rejected because the token has no uses left. Carries the generic message of its parent. */
public final class UsedTokenException extends RegistrationTokenRejectedException {
    private static final long serialVersionUID = 1L;

    public UsedTokenException(@Nullable String tokenId) {
        super(tokenId);
    }

    @Override
    public TokenRejectionReason reason() {
        return TokenRejectionReason.USED;
    }
}
