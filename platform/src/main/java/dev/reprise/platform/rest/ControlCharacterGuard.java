package dev.reprise.platform.rest;

import dev.reprise.platform.problem.Problem;
import dev.reprise.platform.problem.RouteProblems;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Refuses a URL whose path or query, once percent-decoded, holds a control character ({@code %00} and the like),
 * before any resource sees it: ids in paths and values in queries never contain one, PostgreSQL refuses NUL in
 * text, and the rest would end up in logs and events. One check for every endpoint of every service.
 */
@ApplicationScoped
public class ControlCharacterGuard {

    void install(@Observes Router router) {
        // right after the body-size check, before authentication and JAX-RS
        router.route().order(Integer.MIN_VALUE + 1).handler(this::check);
    }

    private void check(RoutingContext context) {
        HttpServerRequest request = context.request();
        boolean badPath = hasControlCharacter(request.path());
        if (!badPath && !hasControlCharacter(request.query())) {
            context.next();
            return;
        }
        String where = badPath ? "path" : "query";
        RouteProblems.send(context, new Problem(Problem.TYPE_PREFIX + "invalid-request", "Invalid request",
                400, "The request " + where + " contains a control character (such as %00); ids and parameter "
                        + "values never do.", request.path(), badQueryParameters(context)));
    }

    private static List<Problem.FieldError> badQueryParameters(RoutingContext context) {
        List<Problem.FieldError> errors = new ArrayList<>();
        Iterable<Map.Entry<String, String>> parameters;
        try {
            parameters = context.queryParams();
        } catch (IllegalArgumentException malformed) {
            return List.of(); // the detail still says what is wrong
        }
        for (Map.Entry<String, String> parameter : parameters) {
            boolean badName = parameter.getKey().chars().anyMatch(Character::isISOControl);
            if (badName || parameter.getValue().chars().anyMatch(Character::isISOControl)) {
                // a name with a control character is not echoed back
                errors.add(new Problem.FieldError(badName ? "(query parameter name)" : parameter.getKey(),
                        "must not contain control characters"));
            }
        }
        return errors;
    }

    /** Percent-decoded (as UTF-8), does the text hold a control character? Malformed escapes are left to JAX-RS. */
    static boolean hasControlCharacter(String raw) {
        if (raw == null || raw.isEmpty()) {
            return false;
        }
        if (raw.chars().anyMatch(Character::isISOControl)) {
            return true;
        }
        if (raw.indexOf('%') < 0) {
            return false; // the common case: nothing escaped, nothing to decode
        }
        try {
            // '+' is a literal plus in a path; in a query it is a space, which is no control character either way
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8).chars()
                    .anyMatch(Character::isISOControl);
        } catch (IllegalArgumentException malformed) {
            return false;
        }
    }
}
