package dev.reprise.recording.service;

import dev.reprise.recording.config.RecordingConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short-lived credentials for the media server, which cannot present the user's JWT: a token names one room and
 * one speaker, and feeds only that speaker's track. {@code v1.<room>.<speaker>.<expiry>.<HMAC-SHA256>}, the
 * fields base64url-encoded; verified in constant time.
 */
@ApplicationScoped
public class IngestTokens {

    private static final String VERSION = "v1";
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    /** What a valid token admits. */
    public record Grant(UUID roomId, String speakerId, Instant expiresAt) {
    }

    /** A token and when it stops admitting connections. */
    public record Issued(String token, Instant expiresAt) {
    }

    private final SecretKeySpec key;
    private final Duration ttl;
    private final Clock clock;

    @Inject
    public IngestTokens(RecordingConfig config, Clock clock) {
        this(config.ingest().tokenSecret(), config.ingest().tokenTtl(), clock);
    }

    IngestTokens(String secret, Duration ttl, Clock clock) {
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < 32) {
            throw new IllegalStateException("reprise.recording.ingest.token-secret must be at least 32 bytes");
        }
        this.key = new SecretKeySpec(bytes, "HmacSHA256");
        this.ttl = ttl;
        this.clock = clock;
    }

    public Issued issue(UUID roomId, String speakerId) {
        Instant expiresAt = clock.instant().plus(ttl).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String body = VERSION + "." + encode(roomId.toString()) + "." + encode(speakerId) + "."
                + encode(Long.toString(expiresAt.getEpochSecond()));
        return new Issued(body + "." + ENCODER.encodeToString(mac(body)), expiresAt);
    }

    /** The grant of a genuine, unexpired token; empty for anything else, without saying which check failed. */
    public Optional<Grant> verify(String token) {
        if (token == null || token.length() > 1024) {
            return Optional.empty();
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 5 || !VERSION.equals(parts[0])) {
            return Optional.empty();
        }
        try {
            String body = String.join(".", parts[0], parts[1], parts[2], parts[3]);
            if (!MessageDigest.isEqual(mac(body), DECODER.decode(parts[4]))) {
                return Optional.empty();
            }
            Instant expiresAt = Instant.ofEpochSecond(Long.parseLong(decode(parts[3])));
            if (!clock.instant().isBefore(expiresAt)) {
                return Optional.empty();
            }
            return Optional.of(new Grant(UUID.fromString(decode(parts[1])), decode(parts[2]), expiresAt));
        } catch (IllegalArgumentException malformed) {
            return Optional.empty();
        }
    }

    private byte[] mac(String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(body.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JRE", e);
        }
    }

    private static String encode(String value) {
        return ENCODER.encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String value) {
        return new String(DECODER.decode(value), StandardCharsets.UTF_8);
    }
}
