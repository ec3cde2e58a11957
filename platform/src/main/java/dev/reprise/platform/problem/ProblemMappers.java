package dev.reprise.platform.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.reprise.platform.dependencies.DependencyFailures;
import dev.reprise.platform.dependencies.DependencyFailures.Dependency;
import dev.reprise.platform.rest.StrictJson;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Path;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns every failure into RFC 9457 problem details, so no client mistake surfaces as a 500. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    private final String retryAfterSeconds;

    /** @param retryAfter what a 503 tells clients to wait before trying again ({@code Retry-After}) */
    public ProblemMappers(@ConfigProperty(name = "reprise.problem.retry-after") Duration retryAfter) {
        this.retryAfterSeconds = Long.toString(Math.max(1, retryAfter.toSeconds()));
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        return respond(new Problem(Problem.TYPE_PREFIX + e.type(), e.title(), e.status(), e.getMessage(), path(uri),
                e.errors()));
    }

    @ServerExceptionMapper
    public Response constraintViolation(ConstraintViolationException e, UriInfo uri) {
        List<Problem.FieldError> errors = e.getConstraintViolations().stream()
                .map(v -> new Problem.FieldError(fieldPath(v), v.getMessage()))
                .sorted(Comparator.comparing(Problem.FieldError::field))
                .toList();
        String detail = errors.stream().map(error -> error.field() + ": " + error.message())
                .collect(Collectors.joining("; "));
        return respond(new Problem(Problem.TYPE_PREFIX + "invalid-request", "Invalid request", 400, detail, path(uri),
                errors));
    }

    /** Overrides Quarkus' own mapper of this subtype, which answers with plain JSON. */
    @ServerExceptionMapper
    public Response mismatchedJson(MismatchedInputException e, UriInfo uri) {
        return unreadableJson(e, uri);
    }

    @ServerExceptionMapper
    public Response unreadableJson(JsonProcessingException e, UriInfo uri) {
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            String field = mapping.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            String message = fieldMessage(mapping);
            return respond(new Problem(Problem.TYPE_PREFIX + "invalid-request", "Invalid request", 400,
                    field + ": " + message, path(uri), List.of(new Problem.FieldError(field, message))));
        }
        return respond(new Problem(Problem.TYPE_PREFIX + "malformed-json", "Malformed JSON", 400,
                "The request body is not valid JSON: " + documentMessage(e), path(uri), List.of()));
    }

    /** What is wrong with the document as a whole, without Jackson's Java type names. */
    private static String documentMessage(JsonProcessingException e) {
        String original = e.getOriginalMessage();
        if (original != null && original.startsWith("Trailing token")) {
            return "there is content after the JSON document.";
        }
        if (e instanceof MismatchedInputException) {
            return "expected one JSON object.";
        }
        return original;
    }

    @ServerExceptionMapper
    public Response unauthenticated(AuthenticationFailedException e, UriInfo uri) {
        return unauthorized(uri);
    }

    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e, UriInfo uri) {
        return unauthorized(uri);
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri) {
        return respond(new Problem(Problem.TYPE_PREFIX + "forbidden", "Forbidden", 403,
                "You are not allowed to do this.", path(uri), List.of()));
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, UriInfo uri) {
        if (e.getCause() instanceof JsonProcessingException unreadable) {
            return unreadableJson(unreadable, uri); // the JSON reader wraps parse errors
        }
        if (e.getCause() instanceof ProblemException refused) {
            return problem(refused, uri); // JAX-RS wraps what a parameter converter throws
        }
        if (e instanceof NotAllowedException) {
            return methodNotAllowed(uri);
        }
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            LOG.error("Request failed", e);
            return respond(internal(uri));
        }
        Response.Status.Family family = Response.Status.Family.familyOf(status);
        if (family != Response.Status.Family.CLIENT_ERROR) {
            return e.getResponse();
        }
        String reason = e.getResponse().getStatusInfo().getReasonPhrase();
        Response.ResponseBuilder builder = Response.fromResponse(e.getResponse()).entity(
                new Problem("about:blank", reason, status, e.getMessage(), path(uri), List.of()))
                .type(Problem.MEDIA_TYPE);
        return builder.build();
    }

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER + 1000)
    public Response unexpected(Throwable e, UriInfo uri) {
        var unavailable = DependencyFailures.unavailable(e);
        if (unavailable.isPresent()) {
            // expected while a dependency is down: one line per request, not a stack trace each
            LOG.warnf("Request to %s failed, %s unavailable: %s", path(uri), unavailable.get().slug(), e);
            return unavailable(unavailable.get(), uri);
        }
        LOG.error("Unexpected failure", e);
        return respond(internal(uri));
    }

    /** 503 with Retry-After: the request was fine, a dependency is not. */
    private Response unavailable(Dependency dependency, UriInfo uri) {
        Problem problem = new Problem(Problem.TYPE_PREFIX + dependency.slug() + "-unavailable",
                "Service temporarily unavailable", 503,
                dependency.description() + " is unavailable or not answering; try again in " + retryAfterSeconds
                        + " seconds.", path(uri), List.of());
        return Response.status(503).header(HttpHeaders.RETRY_AFTER, retryAfterSeconds).type(Problem.MEDIA_TYPE)
                .entity(problem).build();
    }

    /** 405 must say what is allowed (RFC 9110 §15.5.6), which RESTEasy Reactive's own refusal does not. */
    private static Response methodNotAllowed(UriInfo uri) {
        String path = path(uri);
        Set<String> allowed = path == null ? Set.of() : AllowedMethods.forPath(path);
        String list = String.join(", ", allowed);
        Response.ResponseBuilder builder = Response.status(405).type(Problem.MEDIA_TYPE).entity(new Problem(
                "about:blank", "Method Not Allowed", 405,
                allowed.isEmpty() ? "This method is not allowed here." : "Allowed here: " + list + ".", path,
                List.of()));
        if (!allowed.isEmpty()) {
            builder.header(HttpHeaders.ALLOW, list);
        }
        return builder.build();
    }

    private static Problem internal(UriInfo uri) {
        // Never echo internals to a client; the log has the cause.
        return new Problem("about:blank", "Internal Server Error", 500,
                "The service failed to handle the request; it has been logged.", path(uri), List.of());
    }

    private Response unauthorized(UriInfo uri) {
        return Response.status(401).header("WWW-Authenticate", "Bearer").type(Problem.MEDIA_TYPE)
                .entity(new Problem(Problem.TYPE_PREFIX + "unauthenticated", "Unauthorized", 401,
                        "A valid bearer token is required.", path(uri), List.of()))
                .build();
    }

    private static Response respond(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }

    private static String path(UriInfo uri) {
        return uri == null ? null : uri.getPath();
    }

    private static String fieldMessage(JsonMappingException e) {
        if (e instanceof UnrecognizedPropertyException unknown) {
            return "unknown field; allowed: " + unknown.getKnownPropertyIds().stream().map(Object::toString).sorted()
                    .collect(Collectors.joining(", "));
        }
        if (e instanceof StrictJson.ControlCharacterException) {
            return StrictJson.ControlCharacterException.MESSAGE;
        }
        Class<?> target = e instanceof MismatchedInputException mismatch ? mismatch.getTargetType() : null;
        if (target == null) {
            return "has the wrong type or format";
        }
        if (target.isEnum()) {
            return "must be one of " + Arrays.stream(target.getEnumConstants()).map(Object::toString)
                    .collect(Collectors.joining(", "));
        }
        if (target == Boolean.class || target == boolean.class) {
            return "must be a JSON boolean: true or false";
        }
        if (target == String.class) {
            return "must be a JSON string";
        }
        if (Number.class.isAssignableFrom(target) || (target.isPrimitive() && target != char.class)) {
            return "must be a JSON number";
        }
        return "has the wrong type or format";
    }

    /** Drops the method and parameter segments of a bean-validation path: {@code create.request.title} → {@code title}. */
    private static String fieldPath(ConstraintViolation<?> violation) {
        List<String> names = new ArrayList<>();
        for (Path.Node node : violation.getPropertyPath()) {
            switch (node.getKind()) {
                case METHOD, CONSTRUCTOR, RETURN_VALUE -> names.clear();
                case PARAMETER -> {
                    names.clear();
                    names.add(node.getName());
                }
                default -> names.add(node.getName());
            }
        }
        // A body parameter's own name says nothing to the client; keep it only when it is all there is.
        if (names.size() > 1) {
            names.remove(0);
        }
        return String.join(".", names);
    }
}
