package dev.agentmanager.exception;

import org.jspecify.annotations.Nullable;

/** Token rejected because the presented token is not of the form {@code <id>.<secret>}. Carries the generic message of its parent. */
public final class MalformedTokenException extends RegistrationTokenRejectedException {
    private static final long serialVersionUID = 1L;

    public MalformedTokenException(@Nullable String tokenId) {
        super(tokenId);
    }

    @Override
    public TokenRejectionReason reason() {
        return TokenRejectionReason.MALFORMED;
    }
}
