package dev.reprise.platform.security;

import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.SecretKey;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Remembers tokens it has verified. A client app sends the same bearer token with every request for its
 * whole lifetime, and checking its RS256 signature again each time was a sixth of the CPU of a join.
 * An entry is reused only for the exact same token string, only until the token expires, and at most
 * {@link #MAX_AGE_MILLIS} after it was verified, so a rotated signing key takes effect within that time.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class CachingJwtParser implements JWTParser {

    static final long MAX_AGE_MILLIS = 5 * 60 * 1000;
    private static final int MAX_ENTRIES = 10_000;

    private final DefaultJWTParser delegate;
    private final ConcurrentHashMap<String, Verified> verified = new ConcurrentHashMap<>();

    public CachingJwtParser(DefaultJWTParser delegate) {
        this.delegate = delegate;
    }

    private record Verified(JsonWebToken token, long verifiedAtMillis) {
        boolean usableAt(long nowMillis) {
            return nowMillis - verifiedAtMillis < MAX_AGE_MILLIS && token.getExpirationTime() * 1000 > nowMillis;
        }
    }

    @Override
    public JsonWebToken parse(String token) throws ParseException {
        long now = System.currentTimeMillis();
        Verified cached = verified.get(token);
        if (cached != null && cached.usableAt(now)) {
            return cached.token();
        }
        JsonWebToken parsed = delegate.parse(token);
        if (verified.size() >= MAX_ENTRIES) {
            verified.clear(); // crude but bounded; a full cache is refilled by the next requests
        }
        verified.put(token, new Verified(parsed, now));
        return parsed;
    }

    @Override
    public JsonWebToken parse(String token, JWTAuthContextInfo context) throws ParseException {
        return delegate.parse(token, context);
    }

    @Override
    public JsonWebToken verify(String token, PublicKey key) throws ParseException {
        return delegate.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, SecretKey key) throws ParseException {
        return delegate.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, String secret) throws ParseException {
        return delegate.verify(token, secret);
    }

    @Override
    public JsonWebToken decrypt(String token, PrivateKey key) throws ParseException {
        return delegate.decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, SecretKey key) throws ParseException {
        return delegate.decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, String secret) throws ParseException {
        return delegate.decrypt(token, secret);
    }

    @Override
    public JsonWebToken parseOnly(String token) throws ParseException {
        return delegate.parseOnly(token);
    }
}
