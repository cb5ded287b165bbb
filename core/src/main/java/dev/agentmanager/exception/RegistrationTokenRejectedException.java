package dev.agentmanager.exception;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * A registration token was refused. Every refusal is this one type with the same {@link #getMessage() message},
 * so that an agent (or an attacker) cannot tell an unknown token from a used, expired, revoked or locked one,
 * and a host that maps exception types to answers cannot leak the difference either.
 *
 * <p>Hosts: answer it with one generic error (e.g. HTTP 401). {@link #reason()} and {@link #tokenId()} are for
 * your logs and metrics only; never send them back.
 */
public final class RegistrationTokenRejectedException extends AgentManagerException {
    private static final long serialVersionUID = 1L;

    /** The one message every token rejection carries. */
    public static final String MESSAGE = "registration token rejected";

    private final TokenRejectionReason reason;
    private final @Nullable String tokenId;

    public RegistrationTokenRejectedException(TokenRejectionReason reason, @Nullable String tokenId) {
        super(MESSAGE, false);
        this.reason = requireNonNull(reason, "reason");
        this.tokenId = tokenId;
    }

    /** The precise reason, for logs and metrics only. */
    public TokenRejectionReason reason() {
        return reason;
    }

    /** The token id the request named, or {@code null} when it could not be parsed. */
    public @Nullable String tokenId() {
        return tokenId;
    }
}
