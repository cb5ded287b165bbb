package dev.agentmanager.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CapabilityTest {

    @Test
    void versionsCompareNumericallyBySegment() {
        assertThat(Capability.compareVersions("1.10", "1.9")).isPositive();
        assertThat(Capability.compareVersions("1.9", "1.10")).isNegative();
        assertThat(Capability.compareVersions("2.0", "2")).isZero();
        assertThat(Capability.compareVersions("2.0.1", "2")).isPositive();
        assertThat(Capability.compareVersions("010", "9")).isPositive();
        assertThat(Capability.compareVersions("1.0.0-rc1", "1.0.0-rc2")).isNegative();
        assertThat(Capability.compareVersions("24.0.7", "24.0.7")).isZero();
        assertThat(Capability.compareVersions("99999999999999999999", "1")).isPositive();
    }

    @Test
    void satisfiesMinimumVersions() {
        assertThat(Capability.of("docker", "24.0").satisfies("23.5")).isTrue();
        assertThat(Capability.of("docker", "24.0").satisfies("24.0")).isTrue();
        assertThat(Capability.of("docker", "24.0").satisfies("24.1")).isFalse();
        assertThat(Capability.of("docker").satisfies(null)).isTrue();
        assertThat(Capability.of("docker").satisfies("1")).isFalse();
    }
}
