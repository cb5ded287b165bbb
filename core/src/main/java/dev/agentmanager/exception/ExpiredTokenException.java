package dev.agentmanager.exception;

import org.jspecify.annotations.Nullable;

/** Token rejected because the token has expired. Carries the generic message of its parent. */
public final class ExpiredTokenException extends RegistrationTokenRejectedException {
    private static final long serialVersionUID = 1L;

    public ExpiredTokenException(@Nullable String tokenId) {
        super(tokenId);
    }

    @Override
    public TokenRejectionReason reason() {
        return TokenRejectionReason.EXPIRED;
    }
}
