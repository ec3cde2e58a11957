package dev.reprise.stack.testing;

import dev.reprise.stack.LocalJwt;

import io.smallrye.jwt.build.Jwt;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bearer tokens for {@code @QuarkusTest}s, signed with the local stack's key: reads
 * {@code reprise.local.jwt.private-key-location} and {@code mp.jwt.verify.issuer} from the test's configuration
 * (provided by {@link LocalStackTestResource}).
 *
 * <pre>{@code given().auth().oauth2(TestTokens.forUser("alice")).get("/rooms") }</pre>
 */
public final class TestTokens {

    /** Config key of the private key file. */
    public static final String PRIVATE_KEY_LOCATION = "reprise.local.jwt.private-key-location";
    /** Config key of the issuer. */
    public static final String ISSUER = "mp.jwt.verify.issuer";

    private static final Map<String, PrivateKey> KEYS = new ConcurrentHashMap<>();

    private TestTokens() {
    }

    /** A token of a plain user: groups {@code [user]}. */
    public static String forUser(String userId) {
        return withGroups(userId, LocalJwt.userGroups());
    }

    /** A token of a moderator: groups {@code [user, moderator]}. */
    public static String forModerator(String userId) {
        return withGroups(userId, LocalJwt.moderatorGroups());
    }

    /** A token of an operator: groups {@code [user, operator]}. */
    public static String forOperator(String userId) {
        return withGroups(userId, LocalJwt.operatorGroups());
    }

    /** A token with exactly these groups. */
    public static String withGroups(String userId, Collection<String> groups) {
        return LocalJwt.mint(signingKey(), issuer(), userId, groups);
    }

    /**
     * A correctly signed token whose {@code sub} is exactly {@code subject}, even blank or full of control
     * characters: what a faulty or hostile identity provider might issue. No {@code upn}, groups {@code [user]}.
     */
    public static String withRawSubject(String subject) {
        Instant now = Instant.now();
        return Jwt.issuer(issuer()).subject(subject).groups(new LinkedHashSet<>(LocalJwt.userGroups()))
                .issuedAt(now.getEpochSecond()).expiresAt(now.plus(Duration.ofHours(1)).getEpochSecond())
                .sign(signingKey());
    }

    private static String issuer() {
        return ConfigProvider.getConfig().getOptionalValue(ISSUER, String.class).orElse(LocalJwt.ISSUER);
    }

    private static PrivateKey signingKey() {
        Config config = ConfigProvider.getConfig();
        String location = config.getOptionalValue(PRIVATE_KEY_LOCATION, String.class).orElseThrow(() ->
                new IllegalStateException(PRIVATE_KEY_LOCATION + " is not configured: is the test annotated with "
                        + "@WithTestResource(LocalStackTestResource.class, ...)?"));
        return KEYS.computeIfAbsent(location, l -> {
            try {
                return LocalJwt.readPrivateKey(Path.of(l));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the local JWT key " + l, e);
            }
        });
    }
}
