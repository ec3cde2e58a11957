package dev.reprise.recording.service;

import dev.reprise.platform.problem.ProblemException;
import dev.reprise.recording.audio.Pcm;
import dev.reprise.recording.audio.TrackSegment;
import dev.reprise.recording.audio.UploadedAudio;
import dev.reprise.recording.audio.VoiceGate;
import dev.reprise.recording.config.RecordingConfig;
import dev.reprise.recording.service.IngestAdmission.Admitted;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * Chunks uploaded over HTTP, for media servers other than LiveKit and for batch import: ordered by a sequence number
 * per track, placed by their own start offset, idempotent per (track, sequence), acknowledged only once durable.
 * The order of steps is what makes that hold across crashes and retries: decode (refusing what cannot be read),
 * admit (refusing a speaker who may not be recorded before anything is written), drop silence, append to this
 * replica's chunk journal and force it to disk, then claim (track, sequence) naming that journal, then answer.
 * A crash before the claim leaves an unclaimed copy, which sealing drops, and the client, never answered, retries;
 * a crash after it leaves a claimed copy on disk, which the next start seals, and the retry is told it is stored.
 * Blocking: runs on a worker thread.
 */
@ApplicationScoped
public class ChunkIngest {

    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);

    /** What became of a chunk. */
    public record Stored(long sequence, long startMillis, long durationMillis, long keptMillis, boolean duplicate) {
    }

    private final IngestAdmission admission;
    private final IngestJournals journals;
    private final Ffmpeg ffmpeg;
    private final Pool pool;
    private final RecordingConfig.Ingest config;
    private TrackJournal current;

    public ChunkIngest(IngestAdmission admission, IngestJournals journals, Ffmpeg ffmpeg, Pool pool,
            RecordingConfig config) {
        this.admission = admission;
        this.journals = journals;
        this.ffmpeg = ffmpeg;
        this.pool = pool;
        this.config = config.ingest();
    }

    public Stored store(UUID roomId, String speakerId, long sequence, long offsetMillis, String contentType,
            byte[] body) {
        short[] mono = switch (UploadedAudio.kind(contentType)) {
            case WAV -> UploadedAudio.wav(body);
            case RAW -> UploadedAudio.raw(body, contentType);
            case OGG -> ffmpeg.decodeOgg(body);
        };
        if (mono.length == 0) {
            throw new UploadedAudio.Corrupt("The chunk holds no audio.");
        }
        String digest = sha256(body);
        long start = Pcm.millisToSamples(offsetMillis);
        Admitted admitted = admission.admit(roomId, speakerId).await().atMost(QUERY_TIMEOUT);
        UUID trackId = admitted.trackId();
        Stored stored = new Stored(sequence, offsetMillis, Pcm.samplesToMillis(mono.length), 0, false);

        Row claimed = claimOf(trackId, sequence);
        if (claimed != null) {
            return duplicate(claimed, digest, stored);
        }
        Long highest = pool.preparedQuery("SELECT max(sequence) AS highest FROM ingest_chunk WHERE track_id = $1")
                .execute(Tuple.of(trackId)).await().atMost(QUERY_TIMEOUT).iterator().next().getLong("highest");
        if (highest != null && Math.abs(sequence - highest) > config.maxSequenceGap()) {
            throw ProblemException.conflict("sequence-out-of-order", "Sequence out of order", "Chunk " + sequence
                    + " is more than " + config.maxSequenceGap() + " away from this track's highest, " + highest
                    + ".");
        }

        List<TrackSegment.Run> kept = new ArrayList<>();
        VoiceGate gate = new VoiceGate(Pcm.amplitudeOf(config.silenceThresholdDbfs()),
                (position, samples, offset, count) -> kept.add(new TrackSegment.Run(position,
                        java.util.Arrays.copyOfRange(samples, offset, offset + count))));
        gate.accept(start, mono);
        gate.flush();
        TrackJournal journal = append(trackId, sequence, kept);
        RowSet<Row> inserted;
        try {
            journal.flush();
            String journalName = TrackJournal.nameOf(journal.file());
            // The claim also notes the journal as pending for the recording: its end waits until it is sealed. It
            // holds a share lock on the recording until commit, so it is ordered with the room's end: either the
            // end sees the pending journal, or the claim sees the end and nothing is claimed.
            inserted = pool.preparedQuery("""
                    WITH live AS (
                        SELECT r.id FROM track t JOIN recording r ON r.id = t.recording_id
                         WHERE t.id = $1 AND r.ended_at IS NULL FOR SHARE OF r),
                    claim AS (
                        INSERT INTO ingest_chunk (track_id, sequence, start_sample, sample_count, digest, journal)
                        SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM live)
                        ON CONFLICT (track_id, sequence) DO NOTHING RETURNING sequence),
                    pending AS (
                        INSERT INTO pending_journal (journal, recording_id)
                        SELECT $6, id FROM live WHERE EXISTS (SELECT 1 FROM claim)
                        ON CONFLICT DO NOTHING)
                    SELECT sequence, true AS live FROM claim
                    UNION ALL SELECT NULL, false WHERE NOT EXISTS (SELECT 1 FROM live)""")
                    .execute(Tuple.from(List.of(trackId, sequence, start, (long) mono.length, digest, journalName)))
                    .await().atMost(QUERY_TIMEOUT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make chunk " + sequence + " durable", e);
        } finally {
            // Sealing waits for this: it must see the claim, or know there will be none.
            journal.release();
        }
        if (inserted.size() > 0 && !inserted.iterator().next().getBoolean("live")) {
            // The room ended while this chunk was on its way: it is not part of the recording (and dropped when
            // its journal is sealed, unclaimed).
            throw ProblemException.conflict("room-ended", "Room ended", "Room " + roomId + " has ended; its"
                    + " recording takes no more audio.");
        }
        if (inserted.size() == 0) {
            // A concurrent upload of the same chunk claimed it first; this copy is dropped when sealed.
            return duplicate(claimOf(trackId, sequence), digest, stored);
        }
        long keptSamples = kept.stream().mapToLong(run -> run.samples().length).sum();
        return new Stored(sequence, offsetMillis, Pcm.samplesToMillis(mono.length), Pcm.samplesToMillis(keptSamples),
                false);
    }

    private TrackJournal append(UUID trackId, long sequence, List<TrackSegment.Run> kept) {
        synchronized (this) {
            while (current == null || !current.appendAll(trackId, sequence, kept)) {
                current = journals.open();
            }
            return current;
        }
    }

    private Row claimOf(UUID trackId, long sequence) {
        RowSet<Row> rows = pool.preparedQuery("SELECT digest, start_sample, sample_count FROM ingest_chunk"
                + " WHERE track_id = $1 AND sequence = $2").execute(Tuple.of(trackId, sequence))
                .await().atMost(QUERY_TIMEOUT);
        return rows.size() == 0 ? null : rows.iterator().next();
    }

    private static Stored duplicate(Row claimed, String digest, Stored stored) {
        if (!claimed.getString("digest").equals(digest)) {
            throw ProblemException.conflict("chunk-conflict", "Chunk already received",
                    "Chunk " + stored.sequence() + " of this track was already received with other content.");
        }
        return new Stored(stored.sequence(), Pcm.samplesToMillis(claimed.getLong("start_sample")),
                Pcm.samplesToMillis(claimed.getLong("sample_count")), -1, true);
    }

    private static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
