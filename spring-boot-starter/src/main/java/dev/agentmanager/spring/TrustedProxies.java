package dev.agentmanager.spring;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The addresses of the proxies whose forwarded client certificate is believed: literal IPv4 or IPv6 addresses,
 * or CIDR ranges ({@code 10.0.0.0/8}, {@code fd00::/8}). Host names are refused: a DNS answer must not decide
 * whom to trust.
 */
public final class TrustedProxies {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private record Range(byte[] network, int prefixBits) {}

    private final List<Range> ranges;

    private TrustedProxies(List<Range> ranges) {
        this.ranges = ranges;
    }

    /**
     * @throws IllegalArgumentException if an entry is not a literal address or CIDR range
     */
    public static TrustedProxies parse(List<String> entries) {
        List<Range> ranges = new ArrayList<>();
        for (String entry : requireNonNull(entries, "entries")) {
            ranges.add(range(requireNonNull(entry, "entry").trim()));
        }
        return new TrustedProxies(List.copyOf(ranges));
    }

    /** Whether none is trusted. */
    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Whether {@code address} (a literal, as {@code ServletRequest.getRemoteAddr()} gives it) is trusted. */
    public boolean contains(@Nullable String address) {
        if (address == null || ranges.isEmpty()) {
            return false;
        }
        byte[] bytes = literal(address);
        if (bytes == null) {
            return false;
        }
        for (Range range : ranges) {
            if (matches(range, bytes)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(Range range, byte[] address) {
        if (range.network.length != address.length) {
            return false;
        }
        int bits = range.prefixBits;
        for (int i = 0; i < address.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((range.network[i] & mask) != (address[i] & mask)) {
                return false;
            }
        }
        return true;
    }

    private static Range range(String entry) {
        int slash = entry.indexOf('/');
        String address = slash < 0 ? entry : entry.substring(0, slash);
        byte[] bytes = literal(address);
        if (bytes == null) {
            throw new IllegalArgumentException("agentmanager.proxy.trusted-addresses: '" + entry
                    + "' is not a literal IP address or CIDR range (host names are not accepted)");
        }
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(entry.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException(
                        "agentmanager.proxy.trusted-addresses: bad prefix length in '" + entry + "'");
            }
        }
        return new Range(bytes, prefix);
    }

    /** The address's bytes, or null if it is not a literal (no DNS look-up is ever made). */
    private static byte @Nullable [] literal(String address) {
        String bare =
                address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
        if (!IPV4.matcher(bare).matches() && !IPV6.matcher(bare).matches()) {
            return null;
        }
        try {
            return InetAddress.getByName(bare).getAddress(); // a literal: parsed, not looked up
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
