package dev.reprise.recording.rest;

import dev.reprise.platform.problem.Problem;
import dev.reprise.platform.problem.ProblemException;
import dev.reprise.platform.security.CurrentUser;
import dev.reprise.platform.security.UserId;
import dev.reprise.recording.service.IngestTokens;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Ingest tokens for the media server: the room's host (whose app starts the egress) or an operator of the media
 * server (group {@code media}) asks for one per speaker, and points the speaker's track egress at the WebSocket
 * path it returns. Whether the speaker may be recorded is decided when audio arrives, not here.
 */
@Path("/recordings/rooms/{roomId}/ingest-tokens")
@Authenticated
@Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Ingest")
public class IngestTokenResource {

    public record IngestTokenRequest(@NotNull(message = "is required") @UserId String speakerId) {
    }

    /** The token and where to use it: the WebSocket path for LiveKit's track egress. */
    public record IngestTokenView(String token, Instant expiresAt, String websocketPath) {
    }

    private final IngestTokens tokens;
    private final Pool pool;
    private final CurrentUser caller;

    public IngestTokenResource(IngestTokens tokens, Pool pool, CurrentUser caller) {
        this.tokens = tokens;
        this.pool = pool;
        this.caller = caller;
    }

    @POST
    @Operation(summary = "Issue an ingest token for one speaker's live track (the host, or the media group)")
    public Uni<Response> issue(@PathParam("roomId") UUID roomId,
            @NotNull(message = "a JSON body is required") @Valid IngestTokenRequest request) {
        String callerId = caller.id();
        boolean media = caller.inGroup(CurrentUser.MEDIA_GROUP);
        return pool.preparedQuery("SELECT host_id, status FROM room_policy WHERE room_id = $1")
                .execute(Tuple.of(roomId)).map(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("Room " + roomId + " does not exist.");
                    }
                    var room = rows.iterator().next();
                    if (!media && !room.getString("host_id").equals(callerId)) {
                        throw ProblemException.forbidden("Only the room's host or the media server's operators can"
                                + " ask for ingest tokens.");
                    }
                    if ("ENDED".equals(room.getString("status"))) {
                        throw ProblemException.conflict("room-ended", "Room ended", "Room " + roomId + " has ended.");
                    }
                    IngestTokens.Issued issued = tokens.issue(roomId, request.speakerId());
                    String path = "/recordings/ingest/rooms/" + roomId + "/speakers/"
                            + URLEncoder.encode(request.speakerId(), StandardCharsets.UTF_8).replace("+", "%20")
                            + "?token=" + issued.token();
                    return Response.status(Response.Status.CREATED)
                            .entity(new IngestTokenView(issued.token(), issued.expiresAt(), path)).build();
                });
    }
}
