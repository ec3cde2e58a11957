package dev.reprise.platform.problem;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Refuses a body larger than {@code quarkus.http.limits.max-body-size} with the same problem-details body as every
 * other error (the HTTP layer's own refusal has no body). A body announced larger (Content-Length) is refused before
 * it is read; a body sent without a length (chunked) is read here up to the limit and refused once it exceeds it,
 * since JAX-RS would otherwise end the response itself with a bare 413.
 */
@ApplicationScoped
public class BodyTooLargeHandler {

    private final long maxBodyBytes;
    private final BodyHandler unannouncedBodies;

    public BodyTooLargeHandler(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
        this.maxBodyBytes = maxBodySize.asLongValue();
        // fails the route with 413 once the limit is passed; JAX-RS then reads the buffered body
        this.unannouncedBodies = BodyHandler.create(false).setBodyLimit(maxBodyBytes);
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::check).failureHandler(context -> {
            if (context.statusCode() == 413 && !context.response().headWritten()) {
                refuse(context, "The request body is larger than the " + maxBodyBytes
                        + " bytes this service accepts.");
            } else {
                context.next();
            }
        });
    }

    private void check(RoutingContext context) {
        HttpServerRequest request = context.request();
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            if (isOver(length)) {
                refuse(context, "The request body has " + length + " bytes; this service accepts at most "
                        + maxBodyBytes + ".");
            } else {
                context.next();
            }
        } else if (hasUnannouncedBody(request)) {
            unannouncedBodies.handle(context);
        } else {
            context.next();
        }
    }

    /** HTTP/1.1 says chunked; HTTP/2 just sends data frames after headers that did not end the stream. */
    private static boolean hasUnannouncedBody(HttpServerRequest request) {
        return request.headers().contains(HttpHeaders.TRANSFER_ENCODING)
                || (request.version() == HttpVersion.HTTP_2 && !request.isEnded());
    }

    private void refuse(RoutingContext context, String detail) {
        RouteProblems.sendAndClose(context, new Problem(Problem.TYPE_PREFIX + "body-too-large",
                "Request body too large", 413, detail, context.request().path(), List.of()));
    }

    private boolean isOver(String contentLength) {
        try {
            return Long.parseLong(contentLength.trim()) > maxBodyBytes;
        } catch (NumberFormatException e) {
            return false; // malformed header: the HTTP layer rejects it
        }
    }
}
