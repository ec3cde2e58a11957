package dev.reprise.recording.service;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Decides whether a speaker's audio may be taken now: the room is live with recording on, and the speaker's latest
 * statement says they agreed (the host agreed by going live with recording on). A listener has no statement, so
 * a track for a listener is refused like one for a speaker who said no. Admitted, the speaker's track exists (one
 * per speaker and recording; a reconnection continues it).
 */
@ApplicationScoped
public class IngestAdmission {

    /** An admitted stream's place: its track, the recording's time zero, and where the track's audio ends. */
    public record Admitted(UUID roomId, String speakerId, UUID recordingId, UUID trackId, Instant startedAt,
            long trackEnd) {
    }

    private final Pool pool;
    private final Clock clock;

    public IngestAdmission(Pool pool, Clock clock) {
        this.pool = pool;
        this.clock = clock;
    }

    public Uni<Admitted> admit(UUID roomId, String speakerId) {
        return may(roomId, speakerId).chain(recording -> pool.preparedQuery("""
                WITH created AS (
                    INSERT INTO track (id, recording_id, speaker_id) VALUES ($1, $2, $3)
                    ON CONFLICT (recording_id, speaker_id) DO NOTHING RETURNING id)
                SELECT id FROM created UNION ALL SELECT id FROM track WHERE recording_id = $2 AND speaker_id = $3""")
                .execute(Tuple.of(UUID.randomUUID(), recording.id(), speakerId))
                .chain(rows -> rows.size() > 0 ? Uni.createFrom().item(rows)
                        // Another replica created it after this statement's snapshot: it is there now.
                        : pool.preparedQuery("SELECT id FROM track WHERE recording_id = $1 AND speaker_id = $2")
                                .execute(Tuple.of(recording.id(), speakerId)))
                .chain(rows -> {
                    UUID trackId = rows.iterator().next().getUUID("id");
                    return pool.preparedQuery("SELECT coalesce(max(end_sample), 0) AS track_end FROM track_segment"
                            + " WHERE track_id = $1").execute(Tuple.of(trackId))
                            .map(ends -> new Admitted(roomId, speakerId, recording.id(), trackId,
                                    recording.startedAt(), ends.iterator().next().getLong("track_end")));
                }));
    }

    /** Whether the speaker may be recorded now; fails with {@link IngestRefused} saying why not. */
    public Uni<RecordingRef> may(UUID roomId, String speakerId) {
        return pool.preparedQuery("""
                SELECT p.status, p.recording_enabled, r.id AS recording_id, r.started_at,
                       (SELECT c.recording_consent FROM speaker_consent c
                         WHERE c.room_id = p.room_id AND c.user_id = $2 AND c.stated_at <= $3
                         ORDER BY c.stated_at DESC, c.id DESC LIMIT 1) AS consent
                  FROM room_policy p LEFT JOIN recording r ON r.room_id = p.room_id
                 WHERE p.room_id = $1""")
                .execute(Tuple.of(roomId, speakerId, OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC)))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw IngestRefused.unknownRoom(roomId);
                    }
                    Row row = rows.iterator().next();
                    String status = row.getString("status");
                    if ("ENDED".equals(status)) {
                        throw IngestRefused.notRecording("Room " + roomId + " has ended.");
                    }
                    if (!"LIVE".equals(status)) {
                        throw IngestRefused.notRecording("Room " + roomId + " is not live.");
                    }
                    if (!row.getBoolean("recording_enabled") || row.getUUID("recording_id") == null) {
                        throw IngestRefused.notRecording("Room " + roomId + " is not being recorded.");
                    }
                    Boolean consent = row.getBoolean("consent");
                    if (consent == null) {
                        throw IngestRefused.notConsenting(speakerId + " is not a speaker in room " + roomId + ".");
                    }
                    if (!consent) {
                        throw IngestRefused.notConsenting(speakerId + " has not agreed to be recorded.");
                    }
                    return new RecordingRef(row.getUUID("recording_id"),
                            row.getOffsetDateTime("started_at").toInstant());
                });
    }

    public record RecordingRef(UUID id, Instant startedAt) {
    }
}
