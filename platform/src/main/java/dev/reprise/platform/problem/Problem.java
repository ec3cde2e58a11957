package dev.reprise.platform.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * RFC 9457 problem details, the body of every error response ({@code application/problem+json}).
 *
 * @param errors for invalid input, one entry per offending field
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String detail, String instance,
        List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";
    /** Problem types are URNs: stable identifiers that need no hosted page. */
    public static final String TYPE_PREFIX = "urn:reprise:problem:";

    /** One rejected field: a dotted path into the request (for example {@code settings.retentionPolicy}). */
    public record FieldError(String field, String message) {
    }
}
