package dev.agentmanager.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenCodecTest {
    private final SecureRandom random = new SecureRandom();

    @Test
    void generatedTokenHasIdAndA256BitSecretAndParsesBack() {
        TokenCodec.Generated g = TokenCodec.generate(random);

        assertThat(g.plaintext()).isEqualTo(g.id() + "." + g.secret());
        assertThat(Base64.getUrlDecoder().decode(g.secret())).hasSize(32);
        assertThat(Base64.getUrlDecoder().decode(g.id())).hasSize(12);
        TokenCodec.Parsed parsed = TokenCodec.parse(g.plaintext());
        assertThat(parsed).isNotNull();
        assertThat(parsed.id()).isEqualTo(g.id());
        assertThat(TokenCodec.matches(parsed.secret(), g.secretHash())).isTrue();
    }

    @Test
    void storedHashIsNotTheSecretAndAWrongSecretDoesNotMatch() {
        TokenCodec.Generated g = TokenCodec.generate(random);
        TokenCodec.Generated other = TokenCodec.generate(random);

        assertThat(g.secretHash()).doesNotContain(g.secret()).hasSize(64);
        assertThat(TokenCodec.matches(other.secret(), g.secretHash())).isFalse();
    }

    @Test
    void tokensAreUnique() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            assertThat(seen.add(TokenCodec.generate(random).plaintext())).isTrue();
        }
    }

    @Test
    void malformedTokensDoNotParse() {
        String good = TokenCodec.generate(random).plaintext();
        assertThat(TokenCodec.parse("")).isNull();
        assertThat(TokenCodec.parse(good.replace('.', 'x'))).isNull();
        assertThat(TokenCodec.parse(good + "a")).isNull();
        assertThat(TokenCodec.parse(good.substring(1))).isNull();
        assertThat(TokenCodec.parse(good.substring(0, 20) + "=" + good.substring(21)))
                .isNull();
        assertThat(TokenCodec.parse(good.substring(0, 5) + "\n" + good.substring(6)))
                .isNull();
    }

    @Test
    void toStringNeverShowsTheSecret() {
        TokenCodec.Generated g = TokenCodec.generate(random);
        assertThat(g.toString()).doesNotContain(g.secret());
        assertThat(TokenCodec.parse(g.plaintext()).toString()).doesNotContain(g.secret());
    }
}
