package dev.reprise.recording.service;

import dev.reprise.recording.ConsentTimeline;
import dev.reprise.recording.audio.MixWindows;
import dev.reprise.recording.audio.TrackSegment;
import dev.reprise.recording.config.RecordingConfig;
import dev.reprise.storage.ObjectStorage;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jakarta.annotation.PreDestroy;
import org.jboss.logging.Logger;

/**
 * Turns a finished journal into stored segments, one per track it holds: the audio the speaker consented to at
 * each moment (the {@link ConsentTimeline} of their statements; anything else is dropped here and never leaves the
 * disk of this replica), as one object of seconds of track, then its row; then the journal is deleted. Every step
 * can be repeated: the object key comes from the journal's file name and the audio, so a second attempt after a
 * crash overwrites the same object and finds the row already there. A failed attempt is retried with back-off;
 * the journal stays.
 */
@ApplicationScoped
public class SegmentSealer {

    private static final Logger LOG = Logger.getLogger(SegmentSealer.class);
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Completes a statement whose CTE {@code changed} lists (track_id, start_sample, end_sample) of segments stored
     * or removed: every window whose encoding reads that audio (with the pre- and post-roll, $3 samples) gets a new
     * input version, so it is mixed again, and a READY recording is marked to be built again. $2 is the window
     * length in samples.
     */
    private static final String STALE_WINDOWS = """
            , bumped AS (INSERT INTO mix_window (recording_id, window_index, input_version)
            SELECT DISTINCT t.recording_id, w, 1
              FROM changed c JOIN track t ON t.id = c.track_id,
                   generate_series(CAST(GREATEST(0, c.start_sample - $3) / $2 AS int),
                                   CAST((c.end_sample + $3 - 1) / $2 AS int)) AS w
            ON CONFLICT (recording_id, window_index) DO UPDATE SET input_version = mix_window.input_version + 1
            RETURNING recording_id),
            flagged AS (UPDATE recording SET rebuild_needed = true
                         WHERE status = 'READY' AND id IN (SELECT recording_id FROM bumped))
            SELECT 1""";

    private final Pool pool;
    private final ObjectStorage storage;
    private final long windowSamples;
    private final ScheduledExecutorService workers;
    private final Set<Path> inProgress = ConcurrentHashMap.newKeySet();
    private final AtomicInteger sealed = new AtomicInteger();

    public SegmentSealer(Pool pool, ObjectStorage storage, RecordingConfig config) {
        this.pool = pool;
        this.storage = storage;
        this.windowSamples = MixWindows.ofMillis(config.mix().windowLength().toMillis()).windowSamples();
        AtomicInteger threads = new AtomicInteger();
        this.workers = Executors.newScheduledThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "recording-segment-sealer-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Seals {@code journal} soon; a journal already being sealed is not sealed twice at once. */
    public void submit(Path journal) {
        if (inProgress.add(journal)) {
            workers.execute(() -> attempt(journal, 0));
        }
    }

    /** Journals waiting to be sealed or being sealed. */
    public int pending() {
        return inProgress.size();
    }

    /** Waits until no journal waits to be sealed, at most {@code timeout}; false if some still do. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (inProgress) {
            while (!inProgress.isEmpty()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                inProgress.wait(left);
            }
            return true;
        }
    }

    private void done(Path journal) {
        synchronized (inProgress) {
            inProgress.remove(journal);
            inProgress.notifyAll();
        }
    }

    /** Segments sealed since start. */
    public int sealedCount() {
        return sealed.get();
    }

    private void attempt(Path journal, int failures) {
        try {
            seal(journal);
            done(journal);
        } catch (TrackJournal.NotAJournal foreign) {
            Path aside = journal.resolveSibling(journal.getFileName() + ".bad");
            LOG.errorf("%s; moved aside to %s, never sealed", foreign.getMessage(), aside);
            try {
                Files.move(journal, aside);
                // Nothing will be sealed from it: the recordings it named must not wait for it.
                pool.preparedQuery("DELETE FROM pending_journal WHERE journal = $1")
                        .execute(Tuple.of(TrackJournal.nameOf(journal))).await().atMost(QUERY_TIMEOUT);
            } catch (Exception e) {
                LOG.errorf(e, "Cannot move %s aside", journal);
            }
            done(journal);
        } catch (Exception e) {
            long delay = Math.min(30_000, 500L << Math.min(failures, 6));
            LOG.warnf("Cannot seal %s yet (%s); trying again in %d ms, the journal stays on disk", journal,
                    e.getMessage(), delay);
            workers.schedule(() -> attempt(journal, failures + 1), delay, TimeUnit.MILLISECONDS);
        }
    }

    void seal(Path journal) throws Exception {
        if (!Files.exists(journal)) {
            return;
        }
        Map<UUID, List<TrackJournal.Record>> byTrack = new LinkedHashMap<>();
        for (TrackJournal.Record record : TrackJournal.read(journal)) {
            byTrack.computeIfAbsent(record.trackId(), ignored -> new ArrayList<>()).add(record);
        }
        for (Map.Entry<UUID, List<TrackJournal.Record>> track : byTrack.entrySet()) {
            sealTrack(journal, track.getKey(), track.getValue());
        }
        pool.preparedQuery("DELETE FROM pending_journal WHERE journal = $1")
                .execute(Tuple.of(TrackJournal.nameOf(journal))).await().atMost(QUERY_TIMEOUT);
        Files.delete(journal);
    }

    /** One track's audio of a journal as one segment (or nothing, if nothing of it may be kept). */
    private void sealTrack(Path journal, UUID trackId, List<TrackJournal.Record> records) throws Exception {
        RowSet<Row> tracks = pool.preparedQuery("""
                SELECT t.recording_id, t.speaker_id, r.room_id, r.started_at, r.status
                  FROM track t JOIN recording r ON r.id = t.recording_id WHERE t.id = $1""")
                .execute(Tuple.of(trackId)).await().atMost(QUERY_TIMEOUT);
        if (tracks.size() == 0) {
            LOG.errorf("Dropping the audio of unknown track %s from %s", trackId, journal);
            return;
        }
        Row track = tracks.iterator().next();
        if ("DELETED".equals(track.getString("status")) || "DELETING".equals(track.getString("status"))) {
            // Being deleted or gone: nothing of it is written again.
            return;
        }
        String journalName = TrackJournal.nameOf(journal);
        boolean chunks = records.stream().anyMatch(record -> record.sequence() != TrackJournal.NO_SEQUENCE);
        if (chunks) {
            // Only the copy of a chunk its claim names is kept: an upload retried after a crash that came before
            // its claim left a copy in another journal, never acknowledged.
            Set<Long> claimed = new HashSet<>();
            pool.preparedQuery("SELECT sequence FROM ingest_chunk WHERE track_id = $1 AND journal = $2")
                    .execute(Tuple.of(trackId, journalName)).await().atMost(QUERY_TIMEOUT)
                    .forEach(row -> claimed.add(row.getLong("sequence")));
            records = records.stream().filter(record -> claimed.contains(record.sequence())).toList();
        }
        List<TrackSegment.Run> runs = ConsentTimeline.join(inOrderWithoutOverlap(records));
        // One key per journal and track, whatever the cut: a repeated attempt replaces the same object and row.
        String key = "recordings/" + track.getUUID("recording_id") + "/tracks/" + trackId + "/" + journalName
                + ".seg";
        Speaker speaker = new Speaker(track.getUUID("room_id"), track.getString("speaker_id"),
                track.getOffsetDateTime("started_at").toInstant());
        // A statement recorded while this was being stored is applied too: cut again until none came meanwhile.
        long statementsSeen;
        do {
            statementsSeen = lastStatement(speaker);
            store(key, trackId, chunks, consentOf(speaker).cut(runs));
        } while (lastStatement(speaker) != statementsSeen);
    }

    /** A track's speaker and the recording's time zero. */
    private record Speaker(UUID roomId, String userId, java.time.Instant timeZero) {
    }

    private ConsentTimeline consentOf(Speaker speaker) {
        List<ConsentTimeline.Statement> statements = new ArrayList<>();
        pool.preparedQuery("""
                SELECT recording_consent, stated_at FROM speaker_consent
                 WHERE room_id = $1 AND user_id = $2 ORDER BY stated_at, id""")
                .execute(Tuple.of(speaker.roomId(), speaker.userId())).await().atMost(QUERY_TIMEOUT)
                .forEach(row -> statements.add(new ConsentTimeline.Statement(
                        row.getOffsetDateTime("stated_at").toInstant(), row.getBoolean("recording_consent"))));
        return ConsentTimeline.of(speaker.timeZero(), statements);
    }

    private long lastStatement(Speaker speaker) {
        Long last = pool.preparedQuery("SELECT max(id) AS last FROM speaker_consent WHERE room_id = $1 AND user_id = $2")
                .execute(Tuple.of(speaker.roomId(), speaker.userId())).await().atMost(QUERY_TIMEOUT)
                .iterator().next().getLong("last");
        return last == null ? 0 : last;
    }

    /** Writes the segment under {@code key} (object, then row), or removes both when nothing may be kept. */
    private void store(String key, UUID trackId, boolean chunks, List<TrackSegment.Run> runs) throws Exception {
        if (runs.isEmpty()) {
            pool.preparedQuery("WITH changed AS (DELETE FROM track_segment WHERE object_key = $1"
                    + " RETURNING track_id, start_sample, end_sample) " + STALE_WINDOWS)
                    .execute(Tuple.of(key, windowSamples, MixWindows.PRE_ROLL)).await().atMost(QUERY_TIMEOUT);
            storage.client().removeObject(RemoveObjectArgs.builder().bucket(storage.bucket()).object(key).build());
            return;
        }
        TrackSegment segment = new TrackSegment(runs.get(0).position(), runs.get(runs.size() - 1).end(), runs);
        byte[] bytes = segment.toBytes();
        storage.client().putObject(PutObjectArgs.builder().bucket(storage.bucket()).object(key)
                .stream(new ByteArrayInputStream(bytes), bytes.length, -1)
                .contentType("application/octet-stream").build());
        // The windows the segment reaches (before and after a re-cut) become stale in the same statement.
        pool.preparedQuery("""
                WITH before AS (SELECT track_id, start_sample, end_sample FROM track_segment WHERE object_key = $1),
                stored AS (
                    INSERT INTO track_segment (object_key, track_id, start_sample, end_sample, voiced_samples,
                                               object_bytes, source)
                    VALUES ($1, $4, $5, $6, $7, $8, $9)
                    ON CONFLICT (object_key) DO UPDATE SET start_sample = excluded.start_sample,
                        end_sample = excluded.end_sample, voiced_samples = excluded.voiced_samples,
                        object_bytes = excluded.object_bytes, sealed_at = now()
                    RETURNING track_id, start_sample, end_sample),
                changed AS (SELECT * FROM before UNION ALL SELECT * FROM stored)""" + STALE_WINDOWS)
                .execute(Tuple.from(List.of(key, windowSamples, MixWindows.PRE_ROLL, trackId, segment.start(),
                        segment.end(), segment.voicedSamples(), (long) bytes.length, chunks ? "CHUNK" : "WEBSOCKET")))
                .await().atMost(QUERY_TIMEOUT);
        sealed.incrementAndGet();
        LOG.debugf("Stored %s: %d runs, %d samples of voice, %d bytes", key, runs.size(), segment.voicedSamples(),
                bytes.length);
    }

    /**
     * Cuts again, to the speaker's statements as they are now, every stored segment of theirs that reaches past
     * {@code from}: for a withdrawal that arrived after the audio was sealed.
     */
    void recut(UUID roomId, String userId, java.time.Instant from) throws Exception {
        RowSet<Row> segments = pool.preparedQuery("""
                SELECT s.object_key, s.track_id, s.source, r.started_at
                  FROM track_segment s JOIN track t ON t.id = s.track_id JOIN recording r ON r.id = t.recording_id
                 WHERE r.room_id = $1 AND t.speaker_id = $2""")
                .execute(Tuple.of(roomId, userId)).await().atMost(QUERY_TIMEOUT);
        for (Row row : segments) {
            Speaker speaker = new Speaker(roomId, userId, row.getOffsetDateTime("started_at").toInstant());
            TrackSegment stored;
            try (var object = storage.client().getObject(io.minio.GetObjectArgs.builder().bucket(storage.bucket())
                    .object(row.getString("object_key")).build())) {
                stored = TrackSegment.read(object);
            }
            long fromSample = dev.reprise.recording.audio.Pcm.millisToSamples(
                    java.time.Duration.between(speaker.timeZero(), from).toMillis());
            if (stored.end() <= fromSample) {
                continue;
            }
            List<TrackSegment.Run> cut = consentOf(speaker).cut(stored.runs());
            if (cut.stream().mapToLong(run -> run.samples().length).sum() != stored.voicedSamples()) {
                store(row.getString("object_key"), row.getUUID("track_id"), "CHUNK".equals(row.getString("source")),
                        cut);
                LOG.infof("Cut %s again after %s withdrew", row.getString("object_key"), userId);
            }
        }
    }

    /**
     * Runs by position; where chunks overlap (a client that sent two chunks for the same time), the one that
     * arrived first keeps the overlap.
     */
    static List<TrackSegment.Run> inOrderWithoutOverlap(List<TrackJournal.Record> records) {
        List<TrackSegment.Run> runs = new ArrayList<>(records.stream().map(TrackJournal.Record::run).toList());
        runs.sort(Comparator.comparingLong(TrackSegment.Run::position));
        List<TrackSegment.Run> apart = new ArrayList<>(runs.size());
        long end = Long.MIN_VALUE;
        for (TrackSegment.Run run : runs) {
            if (run.end() <= end) {
                continue;
            }
            if (run.position() < end) {
                run = new TrackSegment.Run(end, Arrays.copyOfRange(run.samples(), (int) (end - run.position()),
                        run.samples().length));
            }
            apart.add(run);
            end = run.end();
        }
        return apart;
    }

    @PreDestroy
    void stop() {
        workers.shutdownNow();
    }
}
