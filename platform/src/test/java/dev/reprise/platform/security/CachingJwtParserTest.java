package dev.reprise.platform.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.jwt.build.Jwt;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CachingJwtParserTest {

    private static final String ISSUER = "https://reprise.test";

    private KeyPair trusted;
    private CachingJwtParser parser;

    @BeforeEach
    void setUp() throws Exception {
        trusted = rsaKeyPair();
        JWTAuthContextInfo context = new JWTAuthContextInfo((RSAPublicKey) trusted.getPublic(), ISSUER);
        context.setExpGracePeriodSecs(0);
        context.setClockSkew(0);
        parser = new CachingJwtParser(new DefaultJWTParser(context));
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
    void aCachedTokenIsNotServedPastItsExpiry() throws Exception {
        String token = Jwt.issuer(ISSUER).subject("alice").expiresAt(Instant.now().plusSeconds(2))
                .sign(trusted.getPrivate());
        assertThat(parser.parse(token).getSubject()).isEqualTo("alice");
        Thread.sleep(3100);
        assertThatThrownBy(() -> parser.parse(token)).isInstanceOf(ParseException.class);
    }

    private static KeyPair rsaKeyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }
}
