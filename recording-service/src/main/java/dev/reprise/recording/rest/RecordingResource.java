package dev.reprise.recording.rest;

import dev.reprise.platform.problem.Problem;
import dev.reprise.platform.problem.ProblemException;
import dev.reprise.platform.security.CurrentUser;
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
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * A host's recordings: their state while they are built (progress of the live mix, then of the finishing steps),
 * their files once ready, and short-lived download links. Only the room's host sees a recording here.
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
            Instant finalizedAt, String failure, List<FileView> files) {
    }

    public record DownloadView(String url, Instant expiresAt) {
    }

    private static final String SELECT = """
            SELECT r.id, r.room_id, r.status, r.processing_step, r.duration_ms, r.loudness_lufs, r.gain_db,
                   r.version, r.started_at, r.ended_at, r.finalized_at, r.failure,
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
        return owned(recordingId).flatMap(row -> files(recordingId, row.getInteger("version"))
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
        return owned(recordingId).flatMap(row -> pool.preparedQuery(
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

    /** The recording's row, if the caller is its room's host; 404 for a recording the caller may not know of. */
    private Uni<Row> owned(UUID recordingId) {
        return pool.preparedQuery(SELECT + " WHERE r.id = $1 AND r.status <> 'DELETED'")
                .execute(Tuple.of(recordingId)).flatMap(rows -> pool.preparedQuery(
                        "SELECT p.host_id FROM recording r JOIN room_policy p ON p.room_id = r.room_id WHERE r.id = $1")
                        .execute(Tuple.of(recordingId)).map(hosts -> {
                            if (rows.size() == 0) {
                                throw ProblemException.notFound("Recording " + recordingId + " does not exist.");
                            }
                            if (!hosts.iterator().next().getString("host_id").equals(caller.id())) {
                                throw ProblemException.forbidden("Only the room's host can see its recording.");
                            }
                            return rows.iterator().next();
                        }));
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
                instant(row, "finalized_at"), row.getString("failure"), files);
    }

    private static Instant instant(Row row, String column) {
        return row.getOffsetDateTime(column) == null ? null : row.getOffsetDateTime(column).toInstant();
    }
}
