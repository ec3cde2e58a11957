package dev.reprise.platform.security;

import io.quarkus.security.UnauthorizedException;
import jakarta.enterprise.context.RequestScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** The caller of the current request, from the bearer token: {@code sub} is the user id. */
@RequestScoped
public class CurrentUser {

    public static final String MODERATOR_GROUP = "moderator";
    /** Operators of the deployment: the admin endpoints (dead-letter replay). */
    public static final String OPERATOR_GROUP = "operator";

    /** The media server's operators: they ask for the ingest tokens of rooms they carry. */
    public static final String MEDIA_GROUP = "media";

    private final JsonWebToken token;

    public CurrentUser(JsonWebToken token) {
        this.token = token;
    }

    public String id() {
        String subject = token.getSubject();
        if (subject == null || subject.isBlank()) {
            throw new UnauthorizedException("The token has no subject");
        }
        return subject;
    }

    public boolean isModerator() {
        return inGroup(MODERATOR_GROUP);
    }

    public boolean inGroup(String group) {
        return token.getGroups() != null && token.getGroups().contains(group);
    }
}
