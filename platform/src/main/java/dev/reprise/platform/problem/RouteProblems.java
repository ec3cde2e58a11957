package dev.reprise.platform.problem;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.Json;
import io.vertx.ext.web.RoutingContext;

/** Problem details from Vert.x route handlers, which answer before a request reaches JAX-RS and its mappers. */
public final class RouteProblems {

    private RouteProblems() {
    }

    public static void send(RoutingContext context, Problem problem) {
        context.response().setStatusCode(problem.status()).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .end(Json.encode(problem));
    }

    /** For a refusal made before the body was read: the rest of it is not worth receiving. */
    public static void sendAndClose(RoutingContext context, Problem problem) {
        context.response().putHeader(HttpHeaders.CONNECTION, "close");
        send(context, problem);
    }
}
