package dev.reprise.platform.problem;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Refuses a body announced larger than {@code quarkus.http.limits.max-body-size} before it is read, with
 * the same problem-details body as every other error (the HTTP layer's own refusal has no body).
 */
@ApplicationScoped
public class BodyTooLargeHandler {

    private final long maxBodyBytes;

    public BodyTooLargeHandler(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
        this.maxBodyBytes = maxBodySize.asLongValue();
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(context -> {
            String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length == null || !isOver(length)) {
                context.next();
                return;
            }
            Problem problem = new Problem(ProblemMappers.TYPE_PREFIX + "body-too-large", "Request body too large", 413,
                    "The request body has " + length + " bytes; this service accepts at most " + maxBodyBytes + ".",
                    context.request().path(), List.of());
            context.response().setStatusCode(413).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                    .putHeader(HttpHeaders.CONNECTION, "close").end(Json.encode(problem));
        });
    }

    private boolean isOver(String contentLength) {
        try {
            return Long.parseLong(contentLength.trim()) > maxBodyBytes;
        } catch (NumberFormatException e) {
            return false; // malformed header: the HTTP layer rejects it
        }
    }
}
