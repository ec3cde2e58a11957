package dev.reprise.platform.inbox;

import dev.reprise.platform.problem.Problem;
import dev.reprise.platform.security.CurrentUser;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Operators' view of this service's dead-letter topic, and the replay of it after a fix. Tokens of the group
 * {@code operator} only; the gateway does not route {@code /admin} from the internet.
 */
@Path("/admin/dead-letters")
@RolesAllowed(CurrentUser.OPERATOR_GROUP)
@Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
@Tag(name = "Operations")
public class DeadLetterResource {

    private final DeadLetterReplay replay;

    public DeadLetterResource(DeadLetterReplay replay) {
        this.replay = replay;
    }

    @GET
    @Blocking
    @Operation(summary = "The records on this service's dead-letter topic, oldest first, with the reason")
    public List<DeadLetterReplay.DeadLetter> list(@QueryParam("limit") @DefaultValue("100")
            @Min(value = 1, message = "must be at least 1") @Max(value = 1000, message = "must be at most 1000") int limit) {
        return replay.list(limit);
    }

    @POST
    @Path("/replay")
    @Blocking
    @Operation(summary = "Drive every dead-lettered record into its consumer again; what already applied has no second effect")
    public DeadLetterReplay.Report replay() {
        return replay.replay();
    }
}
