package dev.reprise.room.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reprise.platform.security.CachingJwtParser;
import dev.reprise.stack.testing.LocalStackTestResource;
import dev.reprise.stack.testing.TestTokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.jwt.auth.principal.JWTParser;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** The service verifies bearer tokens through the platform's caching parser, not smallrye-jwt's own. */
@QuarkusTest
@WithTestResource(value = LocalStackTestResource.class,
        initArgs = @ResourceArg(name = "service", value = "room-service"))
class TokenVerificationTest {

    @Inject
    JWTParser parser;

    @Test
    void aTokenIsVerifiedOnceAndThenReused() throws Exception {
        assertThat(parser).isInstanceOf(CachingJwtParser.class);
        String token = TestTokens.forUser(RoomApi.uniqueUser("alice"));
        var first = parser.parse(token);
        assertThat(parser.parse(token)).isSameAs(first);
        RoomApi.as(first.getSubject()).get("/rooms").then().statusCode(200);
    }
}
