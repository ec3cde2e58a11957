package dev.reprise.platform.security;

import java.util.Optional;

/**
 * What a user id (a token's {@code sub}, a user named in a request) may be. Ids are stored as PostgreSQL text, which
 * refuses NUL, and are echoed in events, logs and timelines, where control characters only do harm.
 */
public final class UserIds {

    /** OpenID Connect's limit for {@code sub}: 255 characters. */
    public static final int MAX_LENGTH = 255;

    private UserIds() {
    }

    /** Why {@code id} is not a valid user id, or empty when it is. */
    public static Optional<String> problemWith(String id) {
        if (id == null || id.isBlank()) {
            return Optional.of("must not be blank");
        }
        if (id.length() > MAX_LENGTH) {
            return Optional.of("must be at most " + MAX_LENGTH + " characters");
        }
        if (id.chars().anyMatch(Character::isISOControl)) {
            return Optional.of("must not contain control characters");
        }
        return Optional.empty();
    }
}
