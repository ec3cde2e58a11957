package dev.reprise.recording.service;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.recording.KeptRange;
import dev.reprise.contracts.recording.RecordingEdited;
import dev.reprise.contracts.recording.RecordingFile;
import dev.reprise.contracts.recording.RecordingFileKind;
import dev.reprise.contracts.recording.SpeakerTimeline;
import dev.reprise.contracts.recording.VoiceInterval;
import dev.reprise.platform.outbox.Outbox;
import dev.reprise.recording.RecordingEdit;
import dev.reprise.recording.audio.Loudness;
import dev.reprise.recording.audio.MixWindows;
import dev.reprise.recording.audio.Pcm;
import dev.reprise.recording.config.RecordingConfig;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Makes the next version of a recording from a host's edit (trim, cuts): the current version's mix and tracks cut
 * to the kept stretches by ffmpeg, the mix normalized again and encoded, the speaker timeline and peaks moved
 * along, all under a new prefix; then, in one transaction, the recording points at the new version and
 * {@code recording edited} goes out. The source version stays (retention deletes every version). An edit of a
 * version that is no longer current fails: the host edits what they see.
 */
@ApplicationScoped
public class EditWorker {

    private static final Logger LOG = Logger.getLogger(EditWorker.class);
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration LEASE = Duration.ofMinutes(10);

    private final Pool pool;
    private final Ffmpeg ffmpeg;
    private final RecordingFiles files;
    private final Outbox outbox;
    private final ObjectMapper json;
    private final Clock clock;
    private final RecordingConfig config;

    public EditWorker(Pool pool, Ffmpeg ffmpeg, RecordingFiles files, Outbox outbox, ObjectMapper json, Clock clock,
            RecordingConfig config) {
        this.pool = pool;
        this.ffmpeg = ffmpeg;
        this.files = files;
        this.outbox = outbox;
        this.json = json;
        this.clock = clock;
        this.config = config;
    }

    private record Claimed(UUID id, UUID recordingId, UUID roomId, String hostId, int sourceVersion,
            List<KeptRange> ranges, String currentRanges, boolean fromOriginal) {
    }

    /** Failed attempts after which an edit is FAILED (a file that ffmpeg cannot cut, a store that stays down). */
    private static final int MAX_ATTEMPTS = 3;

    @Scheduled(every = "${reprise.recording.edit-check-interval}", delayed = "2s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            // no round starts once shutdown began: the database pool is closing
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void run() {
        Claimed edit = null;
        try {
            while ((edit = claim()) != null) {
                try {
                    apply(edit);
                } catch (Exception e) {
                    LOG.errorf(e, "Cannot apply edit %s of recording %s now", edit.id(), edit.recordingId());
                    pool.preparedQuery("""
                            UPDATE recording_edit SET attempts = attempts + 1, failure = $2,
                                   status = CASE WHEN attempts + 1 >= $3 THEN 'FAILED' ELSE status END,
                                   lease_until = now() + interval '10 seconds'
                             WHERE id = $1 AND status = 'PENDING'""")
                            .execute(Tuple.of(edit.id(), MixingWorker.reason(e), MAX_ATTEMPTS))
                            .await().atMost(QUERY_TIMEOUT);
                }
            }
        } catch (Exception e) {
            LOG.errorf(e, "Cannot look for edits now; the next round tries again");
        }
    }

    private Claimed claim() throws Exception {
        RowSet<Row> rows = pool.preparedQuery("""
                UPDATE recording_edit e SET lease_until = now() + $1 * interval '1 millisecond'
                  FROM recording r JOIN room_policy p ON p.room_id = r.room_id
                 WHERE r.id = e.recording_id AND e.id = (
                    SELECT id FROM recording_edit WHERE status = 'PENDING'
                       AND (lease_until IS NULL OR lease_until < now())
                     ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING e.id, e.recording_id, r.room_id, p.host_id, e.source_version,
                          CAST(e.kept_ranges AS text) AS ranges, CAST(r.kept_ranges AS text) AS current_ranges,
                          e.from_original""")
                .execute(Tuple.of(LEASE.toMillis())).await().atMost(QUERY_TIMEOUT);
        if (rows.size() == 0) {
            return null;
        }
        Row row = rows.iterator().next();
        return new Claimed(row.getUUID("id"), row.getUUID("recording_id"), row.getUUID("room_id"),
                row.getString("host_id"), row.getInteger("source_version"),
                json.readValue(row.getString("ranges"), new TypeReference<List<KeptRange>>() { }),
                row.getString("current_ranges"), row.getBoolean("from_original"));
    }

    private void apply(Claimed edit) throws Exception {
        Map<String, Row> source = new LinkedHashMap<>();
        pool.preparedQuery("""
                SELECT f.name, f.kind, f.speaker_id, f.object_key FROM recording_file f JOIN recording r
                    ON r.id = f.recording_id AND r.version = f.version
                 WHERE f.recording_id = $1 AND f.version = $2 AND r.status = 'READY'""")
                .execute(Tuple.of(edit.recordingId(), edit.sourceVersion())).await().atMost(QUERY_TIMEOUT)
                .forEach(row -> source.put(row.getString("name"), row));
        if (source.isEmpty()) {
            fail(edit, "Version " + edit.sourceVersion() + " is no longer the recording's current version; edit"
                    + " the current one.");
            return;
        }
        int version = currentVersion(edit.recordingId()) + 1;
        String prefix = RecordingFiles.prefix(edit.recordingId(), version);
        String graph = trimGraph(edit.ranges());
        long durationMs = RecordingEdit.length(edit.ranges());
        Path work = Files.createTempDirectory("reprise-edit-");
        try {
            List<RecordingFile> made = new ArrayList<>();
            // The mix: cut (decoded at its delivered loudness), measured again, normalized, encoded.
            Path mix = files.download(source.get("recording.opus").getString("object_key"), work.resolve("in.opus"));
            Path pcm = work.resolve("edited.pcm");
            ffmpeg.runFiles(List.of("-i", mix.toString(), "-filter_complex", graph, "-map", "[out]", "-f", "s16le",
                    "-ac", "1", "-ar", "48000", pcm.toString()));
            Measure measured = measure(pcm);
            double gain = Loudness.gainDb(measured.loudness(), config.mix().loudnessTarget());
            Path opus = work.resolve("recording.opus");
            Path mp3 = work.resolve("recording.mp3");
            String volume = "volume=" + String.format(java.util.Locale.ROOT, "%.2f", gain) + "dB";
            ffmpeg.runFiles(List.of("-f", "s16le", "-ar", "48000", "-ac", "1", "-i", pcm.toString(),
                    "-af", volume, "-c:a", "libopus", "-b:a", String.valueOf(config.mix().mixOpusBitrate()),
                    opus.toString(), "-af", volume, "-c:a", "libmp3lame", "-b:a",
                    String.valueOf(WindowEncoder.MP3_BITRATE), mp3.toString()));
            made.add(files.upload(opus, prefix + "recording.opus", "recording.opus", RecordingFileKind.MIX, null,
                    "audio/ogg"));
            made.add(files.upload(mp3, prefix + "recording.mp3", "recording.mp3", RecordingFileKind.MIX, null,
                    "audio/mpeg"));
            // Each speaker's track, cut the same way (Opus to Opus).
            for (Row file : source.values()) {
                if (!"TRACK".equals(file.getString("kind"))) {
                    continue;
                }
                Path in = files.download(file.getString("object_key"), work.resolve("track-in.opus"));
                Path out = work.resolve("track-out.opus");
                ffmpeg.runFiles(List.of("-i", in.toString(), "-filter_complex", graph, "-map", "[out]", "-c:a",
                        "libopus", "-b:a", String.valueOf(config.mix().trackOpusBitrate()), out.toString()));
                made.add(files.upload(out, prefix + file.getString("name"), file.getString("name"),
                        RecordingFileKind.TRACK, file.getString("speaker_id"), "audio/ogg"));
            }
            // The timeline moved along the kept stretches; the peaks drawn from the new mix.
            List<SpeakerTimeline> speakers = new ArrayList<>();
            JsonNode timeline = json.readTree(files.download(source.get("timeline.json").getString("object_key"),
                    work.resolve("timeline-in.json")).toFile());
            for (JsonNode speaker : timeline.get("speakers")) {
                List<VoiceInterval> intervals = json.convertValue(speaker.get("intervals"),
                        new TypeReference<List<VoiceInterval>>() { });
                speakers.add(new SpeakerTimeline(speaker.get("speakerId").asText(),
                        RecordingEdit.map(intervals, edit.ranges())));
            }
            Path timelineFile = work.resolve("timeline.json");
            files.writeTimeline(timelineFile, edit.recordingId(), version, durationMs, speakers);
            made.add(files.upload(timelineFile, prefix + "timeline.json", "timeline.json",
                    RecordingFileKind.TIMELINE, null, "application/json"));
            Path peaks = work.resolve("peaks.json");
            files.writePeaks(peaks, measured.peaks(), gain);
            made.add(files.upload(peaks, prefix + "peaks.json", "peaks.json", RecordingFileKind.PEAKS, null,
                    "application/json"));

            Instant now = clock.instant();
            double delivered = Double.isFinite(measured.loudness()) ? measured.loudness() + gain : -70.0;
            RecordingEdited event = new RecordingEdited(edit.recordingId(), edit.roomId(), edit.hostId(), version,
                    edit.sourceVersion(), edit.ranges(), durationMs, delivered, files.bucket(), made, speakers, now);
            // Ranges on the original time line: an edit re-applied after a rebuild has them already.
            List<KeptRange> original = edit.fromOriginal() || edit.currentRanges() == null ? edit.ranges()
                    : RecordingEdit.compose(json.readValue(edit.currentRanges(),
                            new TypeReference<List<KeptRange>>() { }), edit.ranges());
            publish(edit, event, version, json.writeValueAsString(original), delivered, now);
        } finally {
            try (Stream<Path> paths = Files.walk(work)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    /**
     * ffmpeg's filter graph that keeps {@code ranges} of input 0, back to back, as {@code [out]}. The input's
     * timestamps are first made its sample count (a demuxer may start them elsewhere), then split and trimmed.
     */
    static String trimGraph(List<KeptRange> ranges) {
        StringBuilder graph = new StringBuilder("[0:a]asetpts=N/SR/TB,asplit=" + ranges.size());
        for (int i = 0; i < ranges.size(); i++) {
            graph.append("[s").append(i).append(']');
        }
        graph.append(';');
        for (int i = 0; i < ranges.size(); i++) {
            KeptRange range = ranges.get(i);
            graph.append(String.format(java.util.Locale.ROOT,
                    "[s%3$d]atrim=start_sample=%1$d:end_sample=%2$d,asetpts=PTS-STARTPTS[k%3$d];",
                    Pcm.millisToSamples(range.sourceStartMs()), Pcm.millisToSamples(range.sourceEndMs()), i));
        }
        for (int i = 0; i < ranges.size(); i++) {
            graph.append("[k").append(i).append(']');
        }
        return graph.append("concat=n=").append(ranges.size()).append(":v=0:a=1[out]").toString();
    }

    private record Measure(double loudness, byte[] peaks) {
    }

    /** Loudness and peaks of s16le PCM read in blocks: the edited mix is never held whole. */
    private static Measure measure(Path pcm) throws Exception {
        Loudness.Meter meter = new Loudness.Meter();
        Loudness.Integrator integrator = new Loudness.Integrator();
        java.io.ByteArrayOutputStream peaks = new java.io.ByteArrayOutputStream();
        byte[] bytes = new byte[2 * MixWindows.BLOCK];
        short[] block = new short[MixWindows.BLOCK];
        try (InputStream in = new BufferedInputStream(Files.newInputStream(pcm), 1 << 16)) {
            int read;
            while ((read = in.readNBytes(bytes, 0, bytes.length)) > 0) {
                int samples = read / 2;
                int min = 0;
                int max = 0;
                for (int i = 0; i < samples; i++) {
                    block[i] = (short) ((bytes[2 * i] & 0xff) | (bytes[2 * i + 1] << 8));
                    min = Math.min(min, block[i]);
                    max = Math.max(max, block[i]);
                }
                peaks.write(min >> 8);
                peaks.write(max >> 8);
                meter.accept(block, 0, samples);
                integrator.addAll(meter.takeLevels().subBlockMeanSquares());
            }
        }
        return new Measure(integrator.integrated(), peaks.toByteArray());
    }

    private int currentVersion(UUID recordingId) {
        return pool.preparedQuery("SELECT version FROM recording WHERE id = $1").execute(Tuple.of(recordingId))
                .await().atMost(QUERY_TIMEOUT).iterator().next().getInteger("version");
    }

    private void publish(Claimed edit, RecordingEdited event, int version, String originalRanges, double loudness,
            Instant now) {
        Boolean published = pool.withTransaction(connection -> connection.preparedQuery("""
                UPDATE recording SET version = $3, duration_ms = $4, loudness_lufs = $5, gain_db = 0,
                       kept_ranges = CAST(CAST($6 AS text) AS jsonb)
                 WHERE id = $1 AND version = $2 AND status = 'READY' RETURNING id""")
                .execute(Tuple.from(List.of(edit.recordingId(), edit.sourceVersion(), version, event.durationMs(),
                        loudness, originalRanges)))
                .flatMap(updated -> updated.size() == 0 ? Uni.createFrom().item(false)
                        : RecordingFiles.insertRows(connection, edit.recordingId(), version, event.files())
                                .chain(() -> connection.preparedQuery("""
                                        UPDATE recording_edit SET status = 'DONE', result_version = $2,
                                               failure = NULL
                                         WHERE id = $1 AND status = 'PENDING'""").execute(Tuple.of(edit.id(), version)))
                                .chain(() -> outbox.add(connection, EventCatalog.RECORDING_EDITED,
                                        edit.roomId().toString(), event, now))
                                .replaceWith(true)))
                .await().atMost(QUERY_TIMEOUT);
        if (published) {
            LOG.infof("Recording %s: edit %s made version %d (%d ms)", edit.recordingId(), edit.id(), version,
                    event.durationMs());
        } else {
            fail(edit, "The recording changed while the edit was made; edit its current version.");
        }
    }

    private void fail(Claimed edit, String reason) {
        pool.preparedQuery("UPDATE recording_edit SET status = 'FAILED', failure = $2 WHERE id = $1"
                + " AND status = 'PENDING'")
                .execute(Tuple.of(edit.id(), reason)).await().atMost(QUERY_TIMEOUT);
        LOG.infof("Edit %s of recording %s failed: %s", edit.id(), edit.recordingId(), reason);
    }
}
