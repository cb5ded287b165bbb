package dev.agentmanager.exception;

import org.jspecify.annotations.Nullable;

/**
 * A registration token was refused. Every subtype carries the same {@link #getMessage() message}, so that
 * an agent (or an attacker) cannot tell an unknown token from a used, expired, revoked or locked one.
 *
 * <p>Hosts: catch this type and answer with one generic error (e.g. HTTP 401). The subtype and
 * {@link #reason()} are for your logs and metrics only; never send them back.
 */
public abstract sealed class RegistrationTokenRejectedException extends AgentManagerException
        permits MalformedTokenException, UnknownTokenException, InvalidTokenSecretException, LockedTokenException,
                ExpiredTokenException, RevokedTokenException, UsedTokenException {
    private static final long serialVersionUID = 1L;

    /** The one message every token rejection carries. */
    public static final String MESSAGE = "registration token rejected";

    private final @Nullable String tokenId;

    RegistrationTokenRejectedException(@Nullable String tokenId) {
        super(MESSAGE, false);
        this.tokenId = tokenId;
    }

    /** The token id the request named, or {@code null} when it could not be parsed. */
    public @Nullable String tokenId() {
        return tokenId;
    }

    /** The precise reason, for logs and metrics only. */
    public abstract TokenRejectionReason reason();
}
