package dev.reprise.stack.testing;

import dev.reprise.stack.LocalJwt;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.Collection;
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
        Config config = ConfigProvider.getConfig();
        String location = config.getOptionalValue(PRIVATE_KEY_LOCATION, String.class).orElseThrow(() ->
                new IllegalStateException(PRIVATE_KEY_LOCATION + " is not configured: is the test annotated with "
                        + "@WithTestResource(LocalStackTestResource.class, ...)?"));
        String issuer = config.getOptionalValue(ISSUER, String.class).orElse(LocalJwt.ISSUER);
        PrivateKey key = KEYS.computeIfAbsent(location, l -> {
            try {
                return LocalJwt.readPrivateKey(Path.of(l));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the local JWT key " + l, e);
            }
        });
        return LocalJwt.mint(key, issuer, userId, groups);
    }
}
