package dev.agentmanager.ca.bouncycastle.internal;

import java.security.Provider;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The one BouncyCastle provider instance this module uses. It is passed explicitly to every JCA call and
 * never registered with {@link java.security.Security}, so the host's provider list is left alone.
 */
public final class Bc {
    private Bc() {}

    private static final class Holder {
        static final Provider PROVIDER = new BouncyCastleProvider();
    }

    /** The shared, unregistered BouncyCastle provider (created on first use: it takes a moment). */
    public static Provider provider() {
        return Holder.PROVIDER;
    }
}
