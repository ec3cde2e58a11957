package dev.reprise.recording.rest;

import dev.reprise.platform.problem.Problem;
import dev.reprise.platform.problem.ProblemException;
import dev.reprise.recording.audio.UploadedAudio;
import dev.reprise.recording.service.ChunkIngest;
import dev.reprise.recording.service.IngestRefused;
import dev.reprise.recording.service.IngestTokens;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Chunk upload of a speaker's track, for media servers other than LiveKit and for batch import:
 * {@code PUT /recordings/ingest/rooms/{room}/speakers/{speaker}/chunks/{sequence}?offsetMs=N} with the ingest token
 * ({@code ?token=} or {@code X-Ingest-Token}) and the audio as the body: {@code audio/wav} (PCM 16-bit, 48 kHz),
 * {@code audio/x-raw} (s16le, 48 kHz, {@code channels=1|2}) or {@code audio/ogg} (Opus). {@code offsetMs} is where
 * the chunk begins, in milliseconds from the room's start. 201 once the chunk is durable; 200 for a chunk already
 * stored (same sequence, same bytes); problem details otherwise (401, 403, 404, 409, 413, 415, 400).
 */
@Path("/recordings/ingest/rooms/{roomId}/speakers/{speakerId}/chunks/{sequence}")
@Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
@Tag(name = "Ingest")
public class ChunkResource {

    private final ChunkIngest chunks;
    private final IngestTokens tokens;

    public ChunkResource(ChunkIngest chunks, IngestTokens tokens) {
        this.chunks = chunks;
        this.tokens = tokens;
    }

    @PUT
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Upload one chunk of a speaker's track (ingest token, not a user's JWT)")
    public Response put(@PathParam("roomId") UUID roomId, @PathParam("speakerId") String speakerId,
            @PathParam("sequence") long sequence, @QueryParam("offsetMs") Long offsetMillis,
            @QueryParam("token") String queryToken, @HeaderParam("X-Ingest-Token") String headerToken,
            @HeaderParam("Content-Type") String contentType, byte[] body) {
        String token = headerToken != null ? headerToken : queryToken;
        boolean admitted = tokens.verify(token)
                .filter(grant -> grant.roomId().equals(roomId) && grant.speakerId().equals(speakerId)).isPresent();
        if (!admitted) {
            throw IngestRefused.badToken().toProblem();
        }
        if (sequence < 0) {
            throw ProblemException.invalidField("sequence", "must be 0 or more");
        }
        if (offsetMillis == null || offsetMillis < 0) {
            throw ProblemException.invalidField("offsetMs", "is required: where the chunk begins, in milliseconds"
                    + " from the room's start (0 or more)");
        }
        try {
            ChunkIngest.Stored stored = chunks.store(roomId, speakerId, sequence, offsetMillis, contentType,
                    body == null ? new byte[0] : body);
            return Response.status(stored.duplicate() ? Response.Status.OK : Response.Status.CREATED)
                    .entity(stored).build();
        } catch (IngestRefused refused) {
            throw refused.toProblem();
        } catch (UploadedAudio.Unsupported unsupported) {
            throw new ProblemException(415, "unsupported-audio", "Unsupported audio", unsupported.getMessage(),
                    List.of());
        } catch (UploadedAudio.Corrupt corrupt) {
            throw new ProblemException(400, "corrupt-audio", "Corrupt audio", corrupt.getMessage(), List.of());
        } catch (IllegalStateException | java.io.UncheckedIOException cannotKeep) {
            // The local disk is failing or full: nothing was acknowledged, so the client retries later.
            throw new ProblemException(503, "ingest-unavailable", "Cannot keep audio now",
                    "This replica cannot make audio durable at the moment; retry the chunk.", List.of());
        }
    }
}
