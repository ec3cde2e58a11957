package dev.reprise.recording.service;

import dev.reprise.recording.ConsentTimeline;
import dev.reprise.recording.audio.TrackSegment;
import dev.reprise.storage.ObjectStorage;
import io.minio.PutObjectArgs;
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
 * Turns a finished journal into a stored segment: the audio the speaker consented to at each moment (the
 * {@link ConsentTimeline} of their statements; anything else is dropped here and never leaves the disk of this
 * replica), as one object of seconds of track, then its row, then the journal is deleted. Every step can be
 * repeated: the object key comes from the journal's file name, so a second attempt after a crash overwrites the
 * same object and finds the row already there. A failed attempt is retried with back-off; the journal stays.
 */
@ApplicationScoped
public class SegmentSealer {

    private static final Logger LOG = Logger.getLogger(SegmentSealer.class);
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);

    private final Pool pool;
    private final ObjectStorage storage;
    private final ScheduledExecutorService workers;
    private final Set<Path> inProgress = ConcurrentHashMap.newKeySet();
    private final AtomicInteger sealed = new AtomicInteger();

    public SegmentSealer(Pool pool, ObjectStorage storage) {
        this.pool = pool;
        this.storage = storage;
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

    /** Segments sealed since start. */
    public int sealedCount() {
        return sealed.get();
    }

    private void attempt(Path journal, int failures) {
        try {
            seal(journal);
            inProgress.remove(journal);
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
        TrackJournal.Contents contents = TrackJournal.read(journal);
        if (contents.runs().isEmpty()) {
            Files.delete(journal);
            return;
        }
        RowSet<Row> tracks = pool.preparedQuery("""
                SELECT t.recording_id, t.speaker_id, r.room_id, r.started_at, r.status
                  FROM track t JOIN recording r ON r.id = t.recording_id WHERE t.id = $1""")
                .execute(Tuple.of(contents.trackId())).await().atMost(QUERY_TIMEOUT);
        if (tracks.size() == 0) {
            throw new IllegalStateException("track " + contents.trackId() + " is unknown");
        }
        Row track = tracks.iterator().next();
        UUID recordingId = track.getUUID("recording_id");
        if ("DELETED".equals(track.getString("status"))) {
            Files.delete(journal);
            return;
        }
        List<ConsentTimeline.Statement> statements = new ArrayList<>();
        pool.preparedQuery("""
                SELECT recording_consent, stated_at FROM speaker_consent
                 WHERE room_id = $1 AND user_id = $2 ORDER BY stated_at, id""")
                .execute(Tuple.of(track.getUUID("room_id"), track.getString("speaker_id")))
                .await().atMost(QUERY_TIMEOUT)
                .forEach(row -> statements.add(new ConsentTimeline.Statement(
                        row.getOffsetDateTime("stated_at").toInstant(), row.getBoolean("recording_consent"))));
        List<TrackSegment.Run> runs = ConsentTimeline.of(track.getOffsetDateTime("started_at").toInstant(), statements)
                .cut(ConsentTimeline.join(contents.runs()));
        if (runs.isEmpty()) {
            Files.delete(journal);
            return;
        }
        TrackSegment segment = new TrackSegment(runs.get(0).position(), runs.get(runs.size() - 1).end(), runs);
        String name = journal.getFileName().toString();
        String key = "recordings/" + recordingId + "/tracks/" + contents.trackId() + "/" + segment.start() + "-"
                + name.substring(0, name.length() - TrackJournal.SUFFIX.length()) + ".seg";
        byte[] bytes = segment.toBytes();
        storage.client().putObject(PutObjectArgs.builder().bucket(storage.bucket()).object(key)
                .stream(new ByteArrayInputStream(bytes), bytes.length, -1)
                .contentType("application/octet-stream").build());
        pool.preparedQuery("""
                INSERT INTO track_segment (object_key, track_id, start_sample, end_sample, voiced_samples, object_bytes,
                                           source)
                VALUES ($1, $2, $3, $4, $5, $6, 'WEBSOCKET') ON CONFLICT (object_key) DO NOTHING""")
                .execute(Tuple.from(List.of(key, contents.trackId(), segment.start(), segment.end(),
                        segment.voicedSamples(), (long) bytes.length)))
                .await().atMost(QUERY_TIMEOUT);
        Files.delete(journal);
        sealed.incrementAndGet();
        LOG.debugf("Sealed %s: %d runs, %d samples of voice, %d bytes", key, runs.size(), segment.voicedSamples(),
                bytes.length);
    }

    @PreDestroy
    void stop() {
        workers.shutdownNow();
    }
}
