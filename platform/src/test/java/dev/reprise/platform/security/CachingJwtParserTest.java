package dev.reprise.platform.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.jwt.build.Jwt;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CachingJwtParserTest {

    private static final String ISSUER = "https://reprise.test";

    private KeyPair trusted;
    private CachingJwtParser parser;
    /** The cache's clock, moved by the tests; signatures and expiry are still checked against real time. */
    private final AtomicLong now = new AtomicLong(System.currentTimeMillis());

    @BeforeEach
    void setUp() throws Exception {
        trusted = rsaKeyPair();
        JWTAuthContextInfo context = new JWTAuthContextInfo((RSAPublicKey) trusted.getPublic(), ISSUER);
        parser = new CachingJwtParser(context, now::get);
    }

    @Test
    void aTokenSeenBeforeIsNotVerifiedAgain() throws Exception {
        String token = Jwt.issuer(ISSUER).subject("alice").expiresIn(3600).sign(trusted.getPrivate());
        JsonWebToken first = parser.parse(token);
        assertThat(first.getSubject()).isEqualTo("alice");
        assertThat(parser.parse(token)).isSameAs(first);
        String other = Jwt.issuer(ISSUER).subject("bob").expiresIn(3600).sign(trusted.getPrivate());
        assertThat(parser.parse(other).getSubject()).isEqualTo("bob");
    }

    @Test
    void forgedAndWrongIssuerTokensAreStillRejected() throws Exception {
        String forged = Jwt.issuer(ISSUER).subject("mallory").expiresIn(3600).sign(rsaKeyPair().getPrivate());
        assertThatThrownBy(() -> parser.parse(forged)).isInstanceOf(ParseException.class);
        assertThatThrownBy(() -> parser.parse(forged)).isInstanceOf(ParseException.class);
        String elsewhere = Jwt.issuer("https://elsewhere").subject("alice").expiresIn(3600).sign(trusted.getPrivate());
        assertThatThrownBy(() -> parser.parse(elsewhere)).isInstanceOf(ParseException.class);
    }

    @Test
    void aCachedTokenIsVerifiedAgainOnceItHasExpired() throws Exception {
        String token = Jwt.issuer(ISSUER).subject("alice").expiresAt(Instant.ofEpochMilli(now.get()).plusSeconds(60))
                .sign(trusted.getPrivate());
        JsonWebToken first = parser.parse(token);
        now.addAndGet(59_000);
        assertThat(parser.parse(token)).isSameAs(first);
        now.addAndGet(2_000); // past its exp for the cache: the real parser has to see it again
        assertThat(parser.parse(token)).isNotSameAs(first);
    }

    @Test
    void aVerificationIsReusedForFiveMinutesAtMost() throws Exception {
        String token = Jwt.issuer(ISSUER).subject("alice").expiresIn(3600).sign(trusted.getPrivate());
        JsonWebToken first = parser.parse(token);
        now.addAndGet(CachingJwtParser.MAX_AGE_MILLIS - 1);
        assertThat(parser.parse(token)).isSameAs(first);
        now.addAndGet(1);
        JsonWebToken second = parser.parse(token);
        assertThat(second).isNotSameAs(first);
        assertThat(second.getSubject()).isEqualTo("alice");
    }

    @Test
    void aTokenWhoseSubjectIsNoUsableUserIdIsRejectedAndNotRemembered() throws Exception {
        for (String subject : new String[] {"", "  ", "a\u0000b", "line\nbreak", "x".repeat(UserIds.MAX_LENGTH + 1)}) {
            String token = Jwt.issuer(ISSUER).subject(subject).expiresIn(3600).sign(trusted.getPrivate());
            assertThatThrownBy(() -> parser.parse(token)).isInstanceOf(ParseException.class)
                    .hasMessageContaining("sub");
            assertThatThrownBy(() -> parser.parse(token)).isInstanceOf(ParseException.class);
        }
        String withoutSubject = Jwt.issuer(ISSUER).upn("alice").expiresIn(3600).sign(trusted.getPrivate());
        assertThatThrownBy(() -> parser.parse(withoutSubject)).isInstanceOf(ParseException.class);
        String longest = "x".repeat(UserIds.MAX_LENGTH);
        assertThat(parser.parse(Jwt.issuer(ISSUER).subject(longest).expiresIn(3600).sign(trusted.getPrivate()))
                .getSubject()).isEqualTo(longest);
    }

    private static KeyPair rsaKeyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }
}
