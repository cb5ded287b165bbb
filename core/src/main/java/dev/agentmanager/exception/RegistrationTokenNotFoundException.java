package dev.agentmanager.exception;

/** An operator named a registration token that does not exist. */
public final class RegistrationTokenNotFoundException extends AgentManagerException {
    private static final long serialVersionUID = 1L;

    private final String tokenId;

    public RegistrationTokenNotFoundException(String tokenId) {
        super("registration token not found: " + tokenId);
        this.tokenId = tokenId;
    }

    public String tokenId() {
        return tokenId;
    }
}
