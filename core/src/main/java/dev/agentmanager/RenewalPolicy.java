package dev.agentmanager;

/**
 * When the heartbeat response tells an agent to renew its certificate.
 *
 * <p>An agent is told to renew once {@code renewAt} of its certificate's lifetime has passed, moved by a
 * per-certificate offset of up to {@code jitter} of the lifetime either way (derived from the certificate's
 * thumbprint: stable for one certificate, different across agents and across an agent's successive
 * certificates), so that a fleet enrolled together does not renew together. step-ca and Nomad renew at about
 * two thirds; Kubernetes between 70 and 90 %.
 *
 * @param renewAt share of the lifetime after which to renew, in {@code (0, 1)}
 * @param jitter largest per-certificate offset as a share of the lifetime, in {@code [0, 0.25]}, and such that
 *     {@code renewAt ± jitter} stays inside {@code (0, 1)}
 */
public record RenewalPolicy(double renewAt, double jitter) {

    public static final double DEFAULT_RENEW_AT = 2.0 / 3.0;
    public static final double DEFAULT_JITTER = 0.05;

    public RenewalPolicy {
        if (!(renewAt > 0 && renewAt < 1)) {
            throw new IllegalArgumentException("renewAt must be in (0, 1), got " + renewAt);
        }
        if (!(jitter >= 0 && jitter <= 0.25) || renewAt - jitter <= 0 || renewAt + jitter >= 1) {
            throw new IllegalArgumentException("jitter must be in [0, 0.25] and keep renewAt ± jitter in (0, 1)");
        }
    }

    /** Renew at two thirds of the lifetime, ± 5 % per certificate. */
    public static RenewalPolicy defaults() {
        return new RenewalPolicy(DEFAULT_RENEW_AT, DEFAULT_JITTER);
    }

    /**
     * The share of the lifetime after which the certificate with this SHA-256 thumbprint (hex, either case)
     * should be renewed: {@code renewAt} moved by its stable offset. The offset comes from the thumbprint's
     * leading 52 bits (SHA-256 output, so already uniform), read from its first 13 hex digits.
     */
    public double shareFor(String thumbprint) {
        int n = Math.min(13, thumbprint.length());
        long v = 0;
        for (int i = 0; i < n; i++) {
            char c = thumbprint.charAt(i);
            v = (v << 4) | (((c & 0xF) + 9 * ((c >> 6) & 1)) & 0xF);
        }
        double unit = ((v << (64 - 4 * n)) >>> 12) * 0x1.0p-52; // in [0, 1)
        return renewAt + jitter * (2 * unit - 1);
    }
}
