package dev.agentmanager.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

    @Test
    void matchesExactAddressesAndCidrRanges() {
        TrustedProxies proxies = TrustedProxies.parse(List.of("192.0.2.10", "10.1.0.0/16", "fd00::/8", "::1"));

        assertThat(proxies.contains("192.0.2.10")).isTrue();
        assertThat(proxies.contains("192.0.2.11")).isFalse();
        assertThat(proxies.contains("10.1.255.7")).isTrue();
        assertThat(proxies.contains("10.2.0.1")).isFalse();
        assertThat(proxies.contains("fd12:3456::1")).isTrue();
        assertThat(proxies.contains("fe80::1")).isFalse();
        assertThat(proxies.contains("0:0:0:0:0:0:0:1")).isTrue();
        assertThat(proxies.contains("[::1]")).isTrue();
    }

    @Test
    void anIpv4RangeNeverMatchesAnIpv6AddressNorTheReverse() {
        assertThat(TrustedProxies.parse(List.of("0.0.0.0/0")).contains("::1")).isFalse();
        assertThat(TrustedProxies.parse(List.of("::/0")).contains("127.0.0.1")).isFalse();
    }

    @Test
    void trustsNothingWhenEmptyOrTheAddressIsNotALiteral() {
        assertThat(TrustedProxies.parse(List.of()).contains("127.0.0.1")).isFalse();
        assertThat(TrustedProxies.parse(List.of("127.0.0.1")).contains("localhost"))
                .isFalse();
        assertThat(TrustedProxies.parse(List.of("127.0.0.1")).contains(null)).isFalse();
    }

    @Test
    void refusesHostNamesAndBadPrefixes() {
        assertThatThrownBy(() -> TrustedProxies.parse(List.of("proxy.internal")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a literal IP address");
        assertThatThrownBy(() -> TrustedProxies.parse(List.of("10.0.0.0/33")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad prefix length");
        assertThatThrownBy(() -> TrustedProxies.parse(List.of("10.0.0.0/x")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
