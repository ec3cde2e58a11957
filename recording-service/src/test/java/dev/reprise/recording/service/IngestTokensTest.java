package dev.reprise.recording.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class IngestTokensTest {

    private static final String SECRET = "0123456789abcdef0123456789abcdef-test";
    private static final UUID ROOM = UUID.randomUUID();
    private final Instant now = Instant.parse("2026-11-27T18:00:00Z");

    @Test
    void aTokenAdmitsItsRoomAndSpeakerUntilItExpires() {
        IngestTokens.Issued issued = tokens(SECRET, now).issue(ROOM, "alice");
        assertThat(issued.expiresAt()).isEqualTo(now.plus(Duration.ofHours(6)));
        assertThat(tokens(SECRET, now.plusSeconds(60)).verify(issued.token())).hasValueSatisfying(grant -> {
            assertThat(grant.roomId()).isEqualTo(ROOM);
            assertThat(grant.speakerId()).isEqualTo("alice");
        });
        assertThat(tokens(SECRET, issued.expiresAt()).verify(issued.token())).isEmpty();
    }

    @Test
    void aForgedOrAlteredTokenAdmitsNothing() {
        String token = tokens(SECRET, now).issue(ROOM, "alice").token();
        assertThat(tokens(SECRET.replace('0', 'x'), now).verify(token)).isEmpty();
        String[] parts = token.split("\\.");
        String asBob = String.join(".", parts[0], parts[1],
                java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("bob".getBytes()), parts[3], parts[4]);
        assertThat(tokens(SECRET, now).verify(asBob)).isEmpty();
        assertThat(tokens(SECRET, now).verify("v1.garbage")).isEmpty();
        assertThat(tokens(SECRET, now).verify(null)).isEmpty();
        assertThat(tokens(SECRET, now).verify(token.substring(0, token.length() - 2))).isEmpty();
    }

    @Test
    void aShortSecretIsRefusedAtStart() {
        assertThatThrownBy(() -> tokens("short", now)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("at least 32 bytes");
    }

    private static IngestTokens tokens(String secret, Instant at) {
        return new IngestTokens(secret, Duration.ofHours(6), Clock.fixed(at, ZoneOffset.UTC));
    }
}
