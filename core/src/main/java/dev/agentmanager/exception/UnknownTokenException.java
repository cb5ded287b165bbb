package dev.agentmanager.exception;

import org.jspecify.annotations.Nullable;

/** Token rejected because no token has the presented id. Carries the generic message of its parent. */
public final class UnknownTokenException extends RegistrationTokenRejectedException {
    private static final long serialVersionUID = 1L;

    public UnknownTokenException(@Nullable String tokenId) {
        super(tokenId);
    }

    @Override
    public TokenRejectionReason reason() {
        return TokenRejectionReason.UNKNOWN;
    }
}
