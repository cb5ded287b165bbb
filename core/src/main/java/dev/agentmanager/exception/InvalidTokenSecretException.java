package dev.agentmanager.exception;

import org.jspecify.annotations.Nullable;

/** Token rejected because the secret does not match the token's hash. Carries the generic message of its parent. */
public final class InvalidTokenSecretException extends RegistrationTokenRejectedException {
    private static final long serialVersionUID = 1L;

    public InvalidTokenSecretException(@Nullable String tokenId) {
        super(tokenId);
    }

    @Override
    public TokenRejectionReason reason() {
        return TokenRejectionReason.WRONG_SECRET;
    }
}
