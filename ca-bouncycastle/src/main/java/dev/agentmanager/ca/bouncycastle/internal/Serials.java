package dev.agentmanager.ca.bouncycastle.internal;

import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * Certificate serial numbers: random and positive, exactly 127 bits long (126 of them random), so 16
 * octets in DER: above the 64 bits of entropy the CA/Browser Forum asks for, within RFC 5280's 20 octets,
 * and never with a leading zero in hex.
 */
public final class Serials {
    private Serials() {}

    public static BigInteger next(SecureRandom random) {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        bytes[0] &= 0x7f;
        bytes[0] |= 0x40;
        return new BigInteger(1, bytes);
    }
}
