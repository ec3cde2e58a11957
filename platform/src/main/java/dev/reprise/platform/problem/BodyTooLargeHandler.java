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
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Refuses a body larger than {@code reprise.http.max-body-size} (by default {@code quarkus.http.limits.max-body-size})
 * with the same problem-details body as every other error; paths under {@code reprise.http.upload-paths} (audio
 * uploads) may carry up to {@code quarkus.http.limits.max-body-size}, which such a service raises (the HTTP layer's own refusal has no body). A body announced larger (Content-Length) is refused before
 * it is read; a body sent without a length (chunked) is read here up to the limit and refused once it exceeds it,
 * since JAX-RS would otherwise end the response itself with a bare 413.
 */
@ApplicationScoped
public class BodyTooLargeHandler {

    private final long maxBodyBytes;
    private final long maxUploadBytes;
    private final List<String> uploadPaths;
    private final BodyHandler unannouncedBodies;
    private final BodyHandler unannouncedUploads;

    public BodyTooLargeHandler(@ConfigProperty(name = "reprise.http.max-body-size") MemorySize maxBodySize,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxUploadSize,
            @ConfigProperty(name = "reprise.http.upload-paths") Optional<List<String>> uploadPaths) {
        this.maxBodyBytes = maxBodySize.asLongValue();
        this.maxUploadBytes = Math.max(maxBodyBytes, maxUploadSize.asLongValue());
        this.uploadPaths = uploadPaths.orElse(List.of());
        // fails the route with 413 once the limit is passed; JAX-RS then reads the buffered body
        this.unannouncedBodies = BodyHandler.create(false).setBodyLimit(maxBodyBytes);
        this.unannouncedUploads = BodyHandler.create(false).setBodyLimit(maxUploadBytes);
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::check).failureHandler(context -> {
            if (context.statusCode() == 413 && !context.response().headWritten()) {
                refuse(context, "The request body is larger than this service accepts here.");
            } else {
                context.next();
            }
        });
    }

    private void check(RoutingContext context) {
        HttpServerRequest request = context.request();
        boolean upload = uploadPaths.stream().anyMatch(request.path()::startsWith);
        long limit = upload ? maxUploadBytes : maxBodyBytes;
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            if (isOver(length, limit)) {
                refuse(context, "The request body has " + length + " bytes; this service accepts at most "
                        + limit + " here.");
            } else {
                context.next();
            }
        } else if (hasUnannouncedBody(request)) {
            (upload ? unannouncedUploads : unannouncedBodies).handle(context);
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

    private static boolean isOver(String contentLength, long limit) {
        try {
            return Long.parseLong(contentLength.trim()) > limit;
        } catch (NumberFormatException e) {
            return false; // malformed header: the HTTP layer rejects it
        }
    }
}
