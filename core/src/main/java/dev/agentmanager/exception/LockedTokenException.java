package dev.agentmanager.exception;

import org.jspecify.annotations.Nullable;

/** Token rejected because the token is locked after too many wrong secrets. Carries the generic message of its parent. */
public final class LockedTokenException extends RegistrationTokenRejectedException {
    private static final long serialVersionUID = 1L;

    public LockedTokenException(@Nullable String tokenId) {
        super(tokenId);
    }

    @Override
    public TokenRejectionReason reason() {
        return TokenRejectionReason.LOCKED;
    }
}
