package dev.reprise.recording.rest;

import dev.reprise.platform.problem.Problem;
import dev.reprise.platform.problem.ProblemException;
import dev.reprise.platform.security.CurrentUser;
import dev.reprise.contracts.recording.KeptRange;
import dev.reprise.recording.RecordingEdit;
import dev.reprise.recording.config.RecordingConfig;
import dev.reprise.storage.ObjectStorage;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.http.Method;
import io.quarkus.security.Authenticated;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.ZoneOffset;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * A host's recordings: their state while they are built (progress of the live mix, then of the finishing steps),
 * their files once ready, short-lived download links, and the host's retention choices (save, delete). A
 * moderator puts a hold on a recording (a report) and, while it holds, may see and download it: the only way a
 * moderator reaches a recording, an ephemeral room's included. Anyone else gets 404 or 403.
 */
@Path("/recordings")
@Authenticated
@Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
@Tag(name = "Recordings")
public class RecordingResource {

    public record FileView(String name, String kind, String speakerId, String contentType, long bytes) {
    }

    /**
     * @param mixedSeconds how much of the time line is mixed and encoded already (it grows while the room is live)
     * @param step         while PROCESSING: WAITING_FOR_INGEST, MIXING or ENCODING
     */
    public record RecordingView(UUID id, UUID roomId, String status, String step, long mixedSeconds,
            Long durationMs, Double loudnessLufs, int version, Instant startedAt, Instant endedAt,
            Instant finalizedAt, String failure, RetentionView retention, List<FileView> files) {
    }

    /**
     * When the recording will be deleted and why: {@code deleteAfter} null means kept; a hold stops deletion.
     *
     * @param reason in words, for the host's app
     */
    public record RetentionView(String policy, Instant deleteAfter, Instant savedAt, boolean held, String holdReason,
            String reason) {
    }

    public record HoldRequest(@jakarta.validation.constraints.NotBlank(message = "is required")
            @jakarta.validation.constraints.Size(max = 500, message = "is at most 500 characters") String reason) {
    }

    public record DownloadView(String url, Instant expiresAt) {
    }

    private static final String SELECT = """
            SELECT r.id, r.room_id, r.status, r.processing_step, r.duration_ms, r.loudness_lufs, r.gain_db,
                   r.version, r.started_at, r.ended_at, r.finalized_at, r.failure, p.host_id,
                   COALESCE(r.retention_policy, p.retention_policy) AS retention_policy, r.delete_after, r.saved_at,
                   r.hold_reason, r.deletion_reason,
                   (SELECT count(*) FROM mix_window w WHERE w.recording_id = r.id AND w.mixed_version >= 0)
                       AS mixed_windows
              FROM recording r JOIN room_policy p ON p.room_id = r.room_id""";

    private final Pool pool;
    private final CurrentUser caller;
    private final ObjectStorage storage;
    private final RecordingConfig config;
    private final Clock clock;

    public RecordingResource(Pool pool, CurrentUser caller, ObjectStorage storage, RecordingConfig config,
            Clock clock) {
        this.pool = pool;
        this.caller = caller;
        this.storage = storage;
        this.config = config;
        this.clock = clock;
    }

    @GET
    @Operation(summary = "The caller's recordings (as host), newest first")
    public Uni<List<RecordingView>> mine() {
        return pool.preparedQuery(SELECT + " WHERE p.host_id = $1 AND r.status <> 'DELETED'"
                + " ORDER BY r.started_at DESC LIMIT 200").execute(Tuple.of(caller.id()))
                .map(rows -> {
                    List<RecordingView> views = new ArrayList<>();
                    rows.forEach(row -> views.add(view(row, List.of())));
                    return views;
                });
    }

    @GET
    @Path("/{recordingId}")
    @Operation(summary = "A recording's state, progress and files (its host only)")
    public Uni<RecordingView> get(@PathParam("recordingId") UUID recordingId) {
        return visible(recordingId).flatMap(row -> files(recordingId, row.getInteger("version"))
                .map(files -> view(row, files)));
    }

    @GET
    @Path("/{recordingId}/download")
    @Blocking
    @Operation(summary = "A short-lived link to one file of the recording's current version (its host only)")
    public Uni<DownloadView> download(@PathParam("recordingId") UUID recordingId, @QueryParam("file") String file) {
        if (file == null || file.isBlank()) {
            throw ProblemException.invalidField("file", "is required: the name of one of the recording's files,"
                    + " e.g. recording.mp3");
        }
        return visible(recordingId).flatMap(row -> pool.preparedQuery(
                "SELECT object_key FROM recording_file WHERE recording_id = $1 AND version = $2 AND name = $3")
                .execute(Tuple.of(recordingId, row.getInteger("version"), file)).map(rows -> {
                    if (!"READY".equals(row.getString("status")) || rows.size() == 0) {
                        throw ProblemException.notFound("Recording " + recordingId + " has no file " + file + ".");
                    }
                    int seconds = (int) config.downloadLinkTtl().toSeconds();
                    try {
                        String url = storage.client().getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder()
                                .method(Method.GET).bucket(storage.bucket())
                                .object(rows.iterator().next().getString("object_key")).expiry(seconds).build());
                        return new DownloadView(url, clock.instant().plusSeconds(seconds));
                    } catch (Exception e) {
                        throw new IllegalStateException("cannot sign a download link", e);
                    }
                }));
    }

    /** The recording's row, if the caller is its room's host; 404 for a recording that does not exist. */
    private Uni<Row> owned(UUID recordingId) {
        return row(recordingId).map(row -> {
            if (!row.getString("host_id").equals(caller.id())) {
                throw ProblemException.forbidden("Only the room's host can do this with its recording.");
            }
            return row;
        });
    }

    /** The recording's row, for its host, or for a moderator while a hold is on it. */
    private Uni<Row> visible(UUID recordingId) {
        return row(recordingId).map(row -> {
            boolean host = row.getString("host_id").equals(caller.id());
            if (!host && !(caller.isModerator() && row.getString("hold_reason") != null)) {
                throw ProblemException.forbidden(caller.isModerator()
                        ? "A moderator reaches a recording only through a hold on it."
                        : "Only the room's host can see its recording.");
            }
            return row;
        });
    }

    private Uni<Row> row(UUID recordingId) {
        return pool.preparedQuery(SELECT + " WHERE r.id = $1 AND r.status <> 'DELETED'")
                .execute(Tuple.of(recordingId)).map(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("Recording " + recordingId + " does not exist.");
                    }
                    return rows.iterator().next();
                });
    }

    @POST
    @Path("/{recordingId}/save")
    @Operation(summary = "Keep the recording beyond the moderation window (its host only)")
    public Uni<RecordingView> save(@PathParam("recordingId") UUID recordingId) {
        return owned(recordingId).flatMap(row -> {
            if ("DELETING".equals(row.getString("status"))) {
                throw ProblemException.conflict("recording-deleting", "Recording being deleted",
                        "Recording " + recordingId + " is being deleted.");
            }
            return pool.preparedQuery("""
                    UPDATE recording SET saved_at = COALESCE(saved_at, $2), delete_after = NULL
                     WHERE id = $1 AND status NOT IN ('DELETING', 'DELETED')""")
                    .execute(Tuple.of(recordingId, clock.instant().atOffset(ZoneOffset.UTC)));
        }).flatMap(ignored -> get(recordingId));
    }

    @DELETE
    @Path("/{recordingId}")
    @Operation(summary = "Delete the recording, every version and file (its host only); done in the background")
    public Uni<Response> delete(@PathParam("recordingId") UUID recordingId) {
        return owned(recordingId).flatMap(row -> pool.preparedQuery("""
                UPDATE recording SET status = 'DELETING', deletion_reason = 'HOST_DELETED'
                 WHERE id = $1 AND status IN ('READY', 'FAILED') AND hold_reason IS NULL RETURNING id""")
                .execute(Tuple.of(recordingId)).map(updated -> {
                    if (updated.size() == 0) {
                        String status = row.getString("status");
                        if ("DELETING".equals(status)) {
                            return Response.accepted().build();
                        }
                        if (row.getString("hold_reason") != null) {
                            throw ProblemException.conflict("recording-held", "Recording held",
                                    "A moderator holds recording " + recordingId + "; it cannot be deleted until"
                                            + " the hold is released.");
                        }
                        throw ProblemException.conflict("recording-not-finished", "Recording not finished",
                                "Recording " + recordingId + " is " + status.toLowerCase()
                                        + "; it can be deleted once it is ready.");
                    }
                    return Response.accepted().build();
                }));
    }

    @PUT
    @Path("/{recordingId}/hold")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Hold the recording for moderation: no deletion until released (moderators)")
    public Uni<RecordingView> hold(@PathParam("recordingId") UUID recordingId,
            @jakarta.validation.constraints.NotNull(message = "a JSON body is required") @jakarta.validation.Valid
            HoldRequest request) {
        requireModerator();
        return pool.preparedQuery("""
                UPDATE recording SET hold_reason = $2, held_by = $3, held_at = COALESCE(held_at, $4)
                 WHERE id = $1 AND status NOT IN ('DELETING', 'DELETED') RETURNING id""")
                .execute(Tuple.of(recordingId, request.reason(), caller.id(),
                        clock.instant().atOffset(ZoneOffset.UTC)))
                .flatMap(updated -> updated.size() > 0 ? get(recordingId) : row(recordingId).map(row -> {
                    throw ProblemException.conflict("recording-deleting", "Recording being deleted",
                            "Recording " + recordingId + " is being deleted; it can no longer be held.");
                }));
    }

    @DELETE
    @Path("/{recordingId}/hold")
    @Operation(summary = "Release a moderation hold: the recording's retention applies again (moderators)")
    public Uni<Response> release(@PathParam("recordingId") UUID recordingId) {
        requireModerator();
        return row(recordingId).flatMap(row -> pool.preparedQuery("""
                UPDATE recording SET hold_reason = NULL, held_by = NULL, held_at = NULL WHERE id = $1""")
                .execute(Tuple.of(recordingId))).map(ignored -> Response.noContent().build());
    }

    /**
     * A host's edit of the current version: trim its start and end, cut ranges out (milliseconds on its time line).
     */
    public record EditRequest(Long trimStartMs, Long trimEndMs,
            @jakarta.validation.constraints.Size(max = 100, message = "is at most 100 cuts")
            List<@jakarta.validation.constraints.NotNull(message = "must not be null") CutRequest> cuts) {
    }

    public record CutRequest(long startMs, long endMs) {
    }

    /** An edit and what became of it: PENDING, DONE (with the version it made) or FAILED (with why). */
    public record EditView(UUID id, UUID recordingId, int sourceVersion, String status, Integer resultVersion,
            String failure, List<KeptRange> keptRanges) {
    }

    @POST
    @Path("/{recordingId}/edits")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Edit the recording (trim, cut): a new version is made; the current one stays (its host)")
    public Uni<Response> edit(@PathParam("recordingId") UUID recordingId,
            @jakarta.validation.constraints.NotNull(message = "a JSON body is required") @jakarta.validation.Valid
            EditRequest request) {
        return owned(recordingId).flatMap(row -> {
            if (!"READY".equals(row.getString("status"))) {
                throw ProblemException.conflict("recording-not-ready", "Recording not ready",
                        "Recording " + recordingId + " is " + row.getString("status").toLowerCase()
                                + "; it can be edited once it is ready.");
            }
            List<KeptRange> kept;
            try {
                kept = RecordingEdit.keptRanges(row.getLong("duration_ms"), request.trimStartMs(),
                        request.trimEndMs(), request.cuts() == null ? List.of() : request.cuts().stream()
                                .map(cut -> new RecordingEdit.Cut(cut.startMs(), cut.endMs())).toList());
            } catch (RecordingEdit.Invalid invalid) {
                throw new ProblemException(400, "invalid-edit", "Invalid edit", invalid.getMessage(), List.of());
            }
            UUID editId = UUID.randomUUID();
            int version = row.getInteger("version");
            String ranges = io.vertx.core.json.Json.encode(kept);
            return pool.preparedQuery("""
                    INSERT INTO recording_edit (id, recording_id, source_version, kept_ranges, status, requested_by)
                    SELECT $1, $2, $3, CAST(CAST($4 AS text) AS jsonb), 'PENDING', $5
                     WHERE NOT EXISTS (SELECT 1 FROM recording_edit WHERE recording_id = $2 AND status = 'PENDING')
                    RETURNING id""")
                    .execute(Tuple.of(editId, recordingId, version, ranges, caller.id())).map(inserted -> {
                        if (inserted.size() == 0) {
                            throw ProblemException.conflict("edit-pending", "Edit pending", "An edit of recording "
                                    + recordingId + " is still being made; edit again once it is done.");
                        }
                        return Response.accepted(new EditView(editId, recordingId, version, "PENDING", null, null,
                                kept)).location(java.net.URI.create("/recordings/" + recordingId + "/edits/"
                                        + editId)).build();
                    });
        });
    }

    @GET
    @Path("/{recordingId}/edits/{editId}")
    @Operation(summary = "What became of an edit (its host)")
    public Uni<EditView> editStatus(@PathParam("recordingId") UUID recordingId, @PathParam("editId") UUID editId) {
        return owned(recordingId).flatMap(row -> pool.preparedQuery("""
                SELECT id, source_version, status, result_version, failure, CAST(kept_ranges AS text) AS ranges
                  FROM recording_edit WHERE id = $1 AND recording_id = $2""")
                .execute(Tuple.of(editId, recordingId)).map(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("Edit " + editId + " of recording " + recordingId
                                + " does not exist.");
                    }
                    Row edit = rows.iterator().next();
                    return new EditView(editId, recordingId, edit.getInteger("source_version"),
                            edit.getString("status"), edit.getInteger("result_version"), edit.getString("failure"),
                            List.of(io.vertx.core.json.Json.decodeValue(edit.getString("ranges"),
                                    KeptRange[].class)));
                }));
    }

    private void requireModerator() {
        if (!caller.isModerator()) {
            throw ProblemException.forbidden("Only moderators hold recordings.");
        }
    }

    private Uni<List<FileView>> files(UUID recordingId, int version) {
        return pool.preparedQuery("""
                SELECT name, kind, speaker_id, content_type, bytes FROM recording_file
                 WHERE recording_id = $1 AND version = $2 ORDER BY kind, name""")
                .execute(Tuple.of(recordingId, version)).map(rows -> {
                    List<FileView> files = new ArrayList<>();
                    rows.forEach(row -> files.add(new FileView(row.getString("name"), row.getString("kind"),
                            row.getString("speaker_id"), row.getString("content_type"), row.getLong("bytes"))));
                    return files;
                });
    }

    private RecordingView view(Row row, List<FileView> files) {
        long windowMillis = config.mix().windowLength().toMillis();
        return new RecordingView(row.getUUID("id"), row.getUUID("room_id"), row.getString("status"),
                row.getString("processing_step"), row.getLong("mixed_windows") * windowMillis / 1000,
                row.getLong("duration_ms"), row.getDouble("loudness_lufs") == null ? null
                        : row.getDouble("loudness_lufs") + row.getDouble("gain_db"),
                row.getInteger("version"), instant(row, "started_at"), instant(row, "ended_at"),
                instant(row, "finalized_at"), row.getString("failure"), retention(row), files);
    }

    private static RetentionView retention(Row row) {
        String policy = row.getString("retention_policy");
        Instant deleteAfter = instant(row, "delete_after");
        String hold = row.getString("hold_reason");
        String reason;
        if (row.getString("deletion_reason") != null) {
            reason = "being deleted: " + row.getString("deletion_reason").toLowerCase().replace('_', ' ');
        } else if (hold != null) {
            reason = "held by a moderator: not deleted until the hold is released";
        } else if (row.getOffsetDateTime("saved_at") != null || "SAVED".equals(policy)) {
            reason = "saved: kept until its host deletes it";
        } else if ("EPHEMERAL".equals(policy)) {
            reason = "ephemeral room: deleted when the room ends";
        } else if (deleteAfter != null) {
            reason = "moderation window: deleted at the date given unless its host saves it";
        } else {
            reason = "moderation window: deleted a while after the room ends unless its host saves it";
        }
        return new RetentionView(policy, deleteAfter, instant(row, "saved_at"), hold != null, hold, reason);
    }

    private static Instant instant(Row row, String column) {
        return row.getOffsetDateTime(column) == null ? null : row.getOffsetDateTime(column).toInstant();
    }
}
