package dev.reprise.platform.security;

import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Remembers tokens it has verified. A client app sends the same bearer token with every request for its
 * whole lifetime, and checking its RS256 signature again each time was a sixth of the CPU of a join.
 * An entry is reused only for the exact same token string, only until the token expires, and at most
 * {@link #MAX_AGE_MILLIS} after it was verified, so a rotated signing key takes effect within that time.
 * Everything else is smallrye-jwt's own parser, which this replaces as the {@code JWTParser} bean.
 *
 * <p>A token is accepted only if its {@code sub} is a valid user id ({@link UserIds}): every request then has a
 * usable caller, including those whose endpoint never asks who it is, and no NUL or control character from a
 * token reaches the database.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class CachingJwtParser extends DefaultJWTParser {

    static final long MAX_AGE_MILLIS = 5 * 60 * 1000;
    private static final int MAX_ENTRIES = 10_000;

    private final ConcurrentHashMap<String, Verified> verified = new ConcurrentHashMap<>();
    private final LongSupplier clock;

    /** The bean: smallrye-jwt injects the verification settings into the superclass. */
    public CachingJwtParser() {
        this.clock = System::currentTimeMillis;
    }

    CachingJwtParser(JWTAuthContextInfo context, LongSupplier clock) {
        super(context);
        this.clock = clock;
    }

    private record Verified(JsonWebToken token, long verifiedAtMillis) {
        boolean usableAt(long nowMillis) {
            return nowMillis - verifiedAtMillis < MAX_AGE_MILLIS && token.getExpirationTime() * 1000 > nowMillis;
        }
    }

    @Override
    public JsonWebToken parse(String token) throws ParseException {
        long now = clock.getAsLong();
        Verified cached = verified.get(token);
        if (cached != null && cached.usableAt(now)) {
            return cached.token();
        }
        JsonWebToken parsed = super.parse(token);
        Optional<String> badSubject = UserIds.problemWith(parsed.getSubject());
        if (badSubject.isPresent()) {
            throw new ParseException("The token's subject (sub) " + badSubject.get());
        }
        if (verified.size() >= MAX_ENTRIES) {
            verified.clear(); // crude but bounded; a full cache is refilled by the next requests
        }
        verified.put(token, new Verified(parsed, now));
        return parsed;
    }
}
