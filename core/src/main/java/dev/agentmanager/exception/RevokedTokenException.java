package dev.agentmanager.exception;

import org.jspecify.annotations.Nullable;

/** Token rejected because an operator revoked the token. Carries the generic message of its parent. */
public final class RevokedTokenException extends RegistrationTokenRejectedException {
    private static final long serialVersionUID = 1L;

    public RevokedTokenException(@Nullable String tokenId) {
        super(tokenId);
    }

    @Override
    public TokenRejectionReason reason() {
        return TokenRejectionReason.REVOKED;
    }
}
