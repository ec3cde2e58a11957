package dev.reprise.recording.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reprise.recording.audio.TrackSegment;
import dev.reprise.recording.service.IngestJournals;
import dev.reprise.recording.service.SegmentSealer;
import dev.reprise.storage.ObjectStorage;
import io.minio.GetObjectArgs;
import jakarta.enterprise.context.ApplicationScoped;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** What object storage holds of a speaker's track, read back from the segments as a reader of them would. */
@ApplicationScoped
class StoredAudio {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Pool pool;
    private final ObjectStorage storage;
    private final IngestJournals journals;
    private final SegmentSealer sealer;

    StoredAudio(Pool pool, ObjectStorage storage, IngestJournals journals, SegmentSealer sealer) {
        this.pool = pool;
        this.storage = storage;
        this.journals = journals;
        this.sealer = sealer;
    }

    /**
     * The runs of the speaker's segments in time order, once at least {@code atLeastSegments} are stored and
     * nothing received is still waiting in a journal.
     */
    List<TrackSegment.Run> runs(UUID roomId, String speaker, int atLeastSegments) throws Exception {
        String segments = "SELECT s.object_key FROM track_segment s JOIN track t ON t.id = s.track_id"
                + " JOIN recording r ON r.id = t.recording_id WHERE r.room_id = $1 AND t.speaker_id = $2"
                + " ORDER BY s.start_sample";
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (journals.openCount() > 0 || sealer.pending() > 0
                || pool.preparedQuery(segments).execute(Tuple.of(roomId, speaker)).await().atMost(WAIT).size()
                        < atLeastSegments) {
            assertThat(System.nanoTime()).as("%d segment(s) of %s sealed in time", atLeastSegments, speaker)
                    .isLessThan(deadline);
            Thread.sleep(50);
        }
        List<TrackSegment.Run> runs = new ArrayList<>();
        for (Row row : pool.preparedQuery(segments).execute(Tuple.of(roomId, speaker)).await().atMost(WAIT)) {
            try (InputStream object = storage.client().getObject(GetObjectArgs.builder().bucket(storage.bucket())
                    .object(row.getString("object_key")).build())) {
                runs.addAll(TrackSegment.read(object).runs());
            }
        }
        runs.sort(java.util.Comparator.comparingLong(TrackSegment.Run::position));
        return joined(runs);
    }

    /** Touching runs of different segments made one, as a reader assembling the track sees them. */
    private static List<TrackSegment.Run> joined(List<TrackSegment.Run> runs) {
        return dev.reprise.recording.ConsentTimeline.join(runs);
    }

    /** The tone's frequency from its zero crossings, over the stretch between the first and the last. */
    static double frequency(TrackSegment.Run run) {
        short[] samples = run.samples();
        int crossings = 0;
        int first = -1;
        int last = -1;
        for (int i = 1; i < samples.length; i++) {
            if ((samples[i - 1] < 0) != (samples[i] < 0)) {
                crossings++;
                first = first < 0 ? i : first;
                last = i;
            }
        }
        return (crossings - 1) / 2.0 / ((last - first) / 48_000.0);
    }
}
