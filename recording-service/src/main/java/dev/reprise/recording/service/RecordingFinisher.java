package dev.reprise.recording.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.recording.RecordingFile;
import dev.reprise.contracts.recording.RecordingFileKind;
import dev.reprise.contracts.recording.RecordingFinalized;
import dev.reprise.contracts.recording.SpeakerTimeline;
import dev.reprise.contracts.recording.VoiceInterval;
import dev.reprise.contracts.room.RetentionPolicy;
import dev.reprise.platform.outbox.Outbox;
import dev.reprise.recording.audio.Loudness;
import dev.reprise.recording.audio.MixPiece;
import dev.reprise.recording.audio.MixWindows;
import dev.reprise.recording.audio.Mp3Frames;
import dev.reprise.recording.audio.Ogg;
import dev.reprise.recording.audio.Pcm;
import dev.reprise.recording.audio.VoiceActivity;
import dev.reprise.recording.config.RecordingConfig;
import dev.reprise.storage.ObjectStorage;
import io.minio.GetObjectArgs;
import io.minio.UploadObjectArgs;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Finishes a recording once its room has ended: waits for the room's last journals to be sealed, mixes the windows
 * still missing (the last seconds, and any whose audio changed), then joins the windows' pieces into the files
 * (the mix in Ogg Opus and MP3 at the loudness target, each speaker's track in Ogg Opus, the speaker timeline and
 * the waveform peaks), stores them, and marks the recording ready with its {@code recording finalized} event in
 * one transaction. The joining copies encoded packets and never encodes again, so its cost is a copy of the files,
 * and the loudness comes from the windows' stored measurements: a 3-hour room ends about as fast as a short one.
 * Every step can run again after a crash and gives the same files under the same keys.
 */
@ApplicationScoped
public class RecordingFinisher {

    private static final Logger LOG = Logger.getLogger(RecordingFinisher.class);
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);
    /** MP3 global gain moves in steps of 2^(1/4) in amplitude. */
    private static final double MP3_GAIN_STEP_DB = 1.505;

    private final Pool pool;
    private final ObjectStorage storage;
    private final WindowMixer mixer;
    private final WindowEncoder encoder;
    private final Outbox outbox;
    private final ObjectMapper json;
    private final RecordingConfig.Mix config;
    private final VoiceActivity voice;

    public RecordingFinisher(Pool pool, ObjectStorage storage, WindowMixer mixer, WindowEncoder encoder,
            Outbox outbox, ObjectMapper json, RecordingConfig config) {
        this.pool = pool;
        this.storage = storage;
        this.mixer = mixer;
        this.encoder = encoder;
        this.outbox = outbox;
        this.json = json;
        this.config = config.mix();
        this.voice = new VoiceActivity(config.mix().voiceThresholdDbfs(), config.mix().voiceMergeGap().toMillis(),
                config.mix().voiceMinimum().toMillis());
    }

    private record Finishing(UUID id, UUID roomId, String hostId, RetentionPolicy retention, Instant startedAt,
            Instant endedAt, int version, Instant now) {
    }

    /**
     * Finishes recording {@code recordingId} under the lease of {@code owner}; {@code renew} extends the lease
     * between steps (and throws when it was lost). Returns quietly when the room's last audio is not sealed yet.
     */
    public void finish(UUID recordingId, String owner, Consumer<UUID> renew) throws Exception {
        Finishing recording = load(recordingId);
        step(recordingId, "WAITING_FOR_INGEST");
        Row pending = pool.preparedQuery("""
                SELECT count(*) AS journals, string_agg(journal, ', ') AS names FROM pending_journal
                 WHERE recording_id = $1""").execute(Tuple.of(recordingId)).await().atMost(QUERY_TIMEOUT)
                .iterator().next();
        if (pending.getLong("journals") > 0) {
            if (recording.now().isBefore(recording.endedAt().plus(config.journalWait()))) {
                return;
            }
            LOG.warnf("Recording %s: finishing without journal(s) %s, not sealed %s after the room ended"
                    + " (a replica gone with its disk?)", recordingId, pending.getString("names"),
                    config.journalWait());
        }
        long total = Pcm.millisToSamples(Duration.between(recording.startedAt(), recording.endedAt()).toMillis());
        MixWindows windows = mixer.windows();
        int count = windows.count(total);

        step(recordingId, "MIXING");
        Map<Integer, long[]> states = new HashMap<>();
        pool.preparedQuery("""
                SELECT window_index, input_version, mixed_version, samples FROM mix_window WHERE recording_id = $1""")
                .execute(Tuple.of(recordingId)).await().atMost(QUERY_TIMEOUT)
                .forEach(row -> states.put(row.getInteger("window_index"), new long[] { row.getLong("input_version"),
                        row.getLong("mixed_version"), row.getInteger("samples") == null ? -1 : row.getInteger(
                                "samples") }));
        for (int window = 0; window < count; window++) {
            long[] state = states.get(window);
            boolean last = window == count - 1;
            if (state == null || state[1] < 0 || state[0] > state[1] || state[2] != windows.length(window, total)
                    || last) {
                mixer.mix(recordingId, window, total);
                renew.accept(recordingId);
            }
        }

        step(recordingId, "ENCODING");
        Measured measured = measure(recordingId, count);
        double loudness = Loudness.integrated(measured.loudness());
        double gain = Loudness.gainDb(loudness, config.loudnessTarget());
        int mp3Steps = (int) Math.round(Loudness.gainDb(Loudness.integrated(measured.mp3Loudness()),
                config.loudnessTarget()) / MP3_GAIN_STEP_DB);
        List<String> speakers = speakers(recordingId);
        int version = recording.version() + 1;
        String prefix = "recordings/" + recordingId + "/v" + version + "/";
        List<RecordingFile> files = new ArrayList<>();
        Path work = Files.createTempDirectory("reprise-finish-");
        try {
            Map<String, Path> outputs = join(recordingId, windows, count, total, gain, mp3Steps, speakers, work);
            renew.accept(recordingId);
            files.add(upload(outputs.get(MixPiece.MIX_OPUS), prefix + "recording.opus", "recording.opus",
                    RecordingFileKind.MIX, null, "audio/ogg"));
            files.add(upload(outputs.get(MixPiece.MIX_MP3), prefix + "recording.mp3", "recording.mp3",
                    RecordingFileKind.MIX, null, "audio/mpeg"));
            for (String speaker : speakers) {
                String name = "tracks/" + speaker + ".opus";
                files.add(upload(outputs.get(MixPiece.trackOpus(speaker)), prefix + name, name,
                        RecordingFileKind.TRACK, speaker, "audio/ogg"));
            }
            List<SpeakerTimeline> timeline = timeline(speakers, measured.activity());
            Path timelineFile = work.resolve("timeline.json");
            json.writeValue(timelineFile.toFile(), Map.of("recordingId", recordingId, "version", version,
                    "durationMs", Pcm.samplesToMillis(total), "speakers", timeline));
            files.add(upload(timelineFile, prefix + "timeline.json", "timeline.json", RecordingFileKind.TIMELINE,
                    null, "application/json"));
            Path peaksFile = work.resolve("peaks.json");
            writePeaks(peaksFile, measured.peaks(), gain);
            files.add(upload(peaksFile, prefix + "peaks.json", "peaks.json", RecordingFileKind.PEAKS, null,
                    "application/json"));
            renew.accept(recordingId);

            double delivered = Double.isFinite(loudness) ? loudness + gain : config.loudnessTarget();
            RecordingFinalized event = new RecordingFinalized(recordingId, recording.roomId(), recording.hostId(),
                    version, recording.startedAt(), recording.endedAt(), Pcm.samplesToMillis(total), delivered,
                    recording.retention(), storage.bucket(), files, timeline, recording.now());
            publish(event, owner, loudness, gain);
            LOG.infof("Recording %s finished: %d ms, %d window(s), %.1f LUFS measured, %+.2f dB applied,"
                    + " %d speaker track(s)", recordingId, Pcm.samplesToMillis(total), count, loudness, gain,
                    speakers.size());
        } finally {
            try (Stream<Path> paths = Files.walk(work)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    private Finishing load(UUID recordingId) {
        Row row = pool.preparedQuery("""
                SELECT r.id, r.room_id, p.host_id, p.retention_policy, r.started_at, r.ended_at, r.version,
                       now() AS now
                  FROM recording r JOIN room_policy p ON p.room_id = r.room_id WHERE r.id = $1""")
                .execute(Tuple.of(recordingId)).await().atMost(QUERY_TIMEOUT).iterator().next();
        return new Finishing(row.getUUID("id"), row.getUUID("room_id"), row.getString("host_id"),
                RetentionPolicy.valueOf(row.getString("retention_policy")),
                row.getOffsetDateTime("started_at").toInstant(), row.getOffsetDateTime("ended_at").toInstant(),
                row.getInteger("version"), row.getOffsetDateTime("now").toInstant());
    }

    private void step(UUID recordingId, String step) {
        pool.preparedQuery("""
                UPDATE recording SET status = 'PROCESSING', processing_step = $2
                 WHERE id = $1 AND status IN ('RECORDING', 'PROCESSING')""")
                .execute(Tuple.of(recordingId, step)).await().atMost(QUERY_TIMEOUT);
    }

    private List<String> speakers(UUID recordingId) {
        List<String> speakers = new ArrayList<>();
        pool.preparedQuery("SELECT speaker_id FROM track WHERE recording_id = $1 ORDER BY speaker_id")
                .execute(Tuple.of(recordingId)).await().atMost(QUERY_TIMEOUT)
                .forEach(row -> speakers.add(row.getString("speaker_id")));
        return speakers;
    }

    /** What the windows measured, in time order: small (bytes per 100 ms), so it is held whole. */
    private record Measured(float[] loudness, float[] mp3Loudness, int samplePeak, byte[] peaks,
            Map<String, List<VoiceActivity.Interval>> activity) {
    }

    private Measured measure(UUID recordingId, int count) {
        RowSet<Row> rows = pool.preparedQuery("""
                SELECT window_index, loudness, mp3_loudness, sample_peak, peaks, activity FROM mix_window
                 WHERE recording_id = $1 AND window_index < $2 ORDER BY window_index""")
                .execute(Tuple.of(recordingId, count)).await().atMost(QUERY_TIMEOUT);
        java.io.ByteArrayOutputStream loudness = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream mp3Loudness = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream peaks = new java.io.ByteArrayOutputStream();
        Map<String, List<VoiceActivity.Interval>> activity = new LinkedHashMap<>();
        int peak = 0;
        for (Row row : rows) {
            loudness.writeBytes(row.getBuffer("loudness").getBytes());
            mp3Loudness.writeBytes(row.getBuffer("mp3_loudness").getBytes());
            peaks.writeBytes(row.getBuffer("peaks").getBytes());
            peak = Math.max(peak, row.getInteger("sample_peak"));
            JsonObject speakers = (JsonObject) row.getValue("activity");
            for (String speaker : speakers.fieldNames()) {
                List<VoiceActivity.Interval> intervals = activity.computeIfAbsent(speaker, s -> new ArrayList<>());
                for (Object interval : speakers.getJsonArray(speaker)) {
                    JsonArray bounds = (JsonArray) interval;
                    intervals.add(new VoiceActivity.Interval(bounds.getLong(0), bounds.getLong(1)));
                }
            }
        }
        return new Measured(floats(loudness.toByteArray()), floats(mp3Loudness.toByteArray()), peak,
                peaks.toByteArray(), activity);
    }

    private static float[] floats(byte[] bytes) {
        ByteBuffer blocks = ByteBuffer.wrap(bytes);
        float[] values = new float[blocks.remaining() / 4];
        for (int i = 0; i < values.length; i++) {
            values[i] = blocks.getFloat();
        }
        return values;
    }

    private List<SpeakerTimeline> timeline(List<String> speakers,
            Map<String, List<VoiceActivity.Interval>> activity) {
        List<SpeakerTimeline> timeline = new ArrayList<>();
        for (String speaker : speakers) {
            List<VoiceInterval> intervals = voice.merge(activity.getOrDefault(speaker, List.of()), true).stream()
                    .map(interval -> new VoiceInterval(interval.startMs(), interval.endMs())).toList();
            timeline.add(new SpeakerTimeline(speaker, intervals));
        }
        return timeline;
    }

    /**
     * Joins every window's packets into one file per stream, in one pass over the pieces: the mix in Ogg Opus with
     * the loudness gain in its header, the mix in MP3 with the gain in every frame's global gain, each speaker's
     * track in Ogg Opus (a window where the speaker was silent gets the packets of silence).
     */
    private Map<String, Path> join(UUID recordingId, MixWindows windows, int count, long total, double gain,
            int mp3Steps, List<String> speakers, Path work) throws Exception {
        Map<String, Path> files = new LinkedHashMap<>();
        Map<String, OutputStream> streams = new LinkedHashMap<>();
        Map<String, Ogg.OpusWriter> opus = new LinkedHashMap<>();
        int serial = recordingId.hashCode();
        try {
            Path mixOpus = work.resolve("mix.opus");
            files.put(MixPiece.MIX_OPUS, mixOpus);
            OutputStream mixOpusOut = new BufferedOutputStream(Files.newOutputStream(mixOpus), 1 << 16);
            streams.put(MixPiece.MIX_OPUS, mixOpusOut);
            opus.put(MixPiece.MIX_OPUS, new Ogg.OpusWriter(mixOpusOut, serial, MixWindows.OPUS_PRE_SKIP, gain,
                    "Reprise"));
            for (String speaker : speakers) {
                String name = MixPiece.trackOpus(speaker);
                Path file = work.resolve("track-" + files.size() + ".opus");
                files.put(name, file);
                OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
                streams.put(name, out);
                opus.put(name, new Ogg.OpusWriter(out, serial + files.size(), MixWindows.OPUS_PRE_SKIP, 0,
                        "Reprise"));
            }
            Path mixMp3 = work.resolve("mix.mp3");
            files.put(MixPiece.MIX_MP3, mixMp3);
            OutputStream mp3 = new BufferedOutputStream(Files.newOutputStream(mixMp3), 1 << 16);
            streams.put(MixPiece.MIX_MP3, mp3);
            // The Info frame is rewritten at the end, when the frame count is known.
            int infoBytes = Mp3Frames.infoFrame(0, 0, 0, 0).length;
            mp3.write(new byte[infoBytes]);
            long mp3Frames = 0;
            long mp3Bytes = 0;

            for (int window = 0; window < count; window++) {
                MixPiece piece;
                try (InputStream object = storage.client().getObject(GetObjectArgs.builder()
                        .bucket(storage.bucket()).object(WindowMixer.pieceKey(recordingId, window)).build())) {
                    piece = MixPiece.read(new java.io.BufferedInputStream(object, 1 << 16));
                }
                int owned = windows.opusPackets(window, total);
                for (Map.Entry<String, Ogg.OpusWriter> writer : opus.entrySet()) {
                    List<byte[]> packets = piece.streams().get(writer.getKey());
                    if (packets == null) {
                        packets = encoder.silentTrack(windows.windowSamples(), work).subList(0, owned);
                    }
                    for (byte[] packet : packets) {
                        writer.getValue().packet(packet);
                    }
                }
                for (byte[] frame : piece.streams().get(MixPiece.MIX_MP3)) {
                    Mp3Frames.addGain(frame, 0, mp3Steps);
                    mp3.write(frame);
                    mp3Frames++;
                    mp3Bytes += frame.length;
                }
            }
            for (Ogg.OpusWriter writer : opus.values()) {
                writer.finish(total);
            }
            for (OutputStream out : streams.values()) {
                out.close();
            }
            byte[] info = Mp3Frames.infoFrame(mp3Frames, mp3Bytes + infoBytes, Mp3Frames.LAME_ENCODER_DELAY,
                    Mp3Frames.padding(mp3Frames, total));
            try (RandomAccessFile file = new RandomAccessFile(mixMp3.toFile(), "rw")) {
                file.write(info);
            }
            return files;
        } finally {
            for (OutputStream out : streams.values()) {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // already closed, or the failure that brought us here says more
                }
            }
        }
    }

    private RecordingFile upload(Path file, String key, String name, RecordingFileKind kind, String speaker,
            String contentType) throws Exception {
        storage.client().uploadObject(UploadObjectArgs.builder().bucket(storage.bucket()).object(key)
                .filename(file.toString()).contentType(contentType).build());
        return new RecordingFile(name, kind, speaker, key, contentType, Files.size(file));
    }

    /**
     * Peaks in the waveform-data format of BBC's audiowaveform (version 2, 8 bits), which peaks.js and other
     * players read: min/max pairs per 100 ms, scaled by the loudness gain like the audio.
     */
    private void writePeaks(Path file, byte[] peaks, double gainDb) throws IOException {
        double scale = Math.pow(10, gainDb / 20);
        int[] data = new int[peaks.length];
        for (int i = 0; i < peaks.length; i++) {
            data[i] = (int) Math.max(-128, Math.min(127, Math.round(peaks[i] * scale)));
        }
        Map<String, Object> waveform = new LinkedHashMap<>();
        waveform.put("version", 2);
        waveform.put("channels", 1);
        waveform.put("sample_rate", Pcm.SAMPLE_RATE);
        waveform.put("samples_per_pixel", MixWindows.BLOCK);
        waveform.put("bits", 8);
        waveform.put("length", peaks.length / 2);
        waveform.put("data", data);
        json.writeValue(file.toFile(), waveform);
    }

    /** The recording is ready, with its files and its event, if this replica still holds the lease. */
    private void publish(RecordingFinalized event, String owner, double measured, double gain) {
        boolean published = pool.withTransaction(connection -> connection.preparedQuery("""
                UPDATE recording SET status = 'READY', processing_step = NULL, version = $3, duration_ms = $4,
                       loudness_lufs = $5, gain_db = $6, finalized_at = $7, failure = NULL
                 WHERE id = $1 AND lease_owner = $2 AND status = 'PROCESSING' RETURNING id""")
                .execute(Tuple.from(List.of(event.recordingId(), owner, event.version(), event.durationMs(),
                        Double.isFinite(measured) ? measured : -70.0, gain,
                        event.finalizedAt().atOffset(java.time.ZoneOffset.UTC))))
                .flatMap(updated -> updated.size() == 0 ? Uni.createFrom().item(false)
                        : files(connection, event).chain(() -> outbox.add(connection,
                                EventCatalog.RECORDING_FINALIZED, event.roomId().toString(), event,
                                event.finalizedAt())).replaceWith(true)))
                .await().atMost(QUERY_TIMEOUT);
        if (!published) {
            throw new MixingWorker.LeaseLost(event.recordingId().toString());
        }
    }

    private static Uni<Void> files(SqlConnection connection, RecordingFinalized event) {
        List<Tuple> rows = event.files().stream().map(file -> Tuple.from(java.util.Arrays.asList(
                event.recordingId(), event.version(), file.name(), file.kind().name(), file.speakerId(),
                file.objectKey(), file.contentType(), file.bytes()))).toList();
        return connection.preparedQuery("""
                INSERT INTO recording_file (recording_id, version, name, kind, speaker_id, object_key, content_type,
                                            bytes)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (recording_id, version, name) DO UPDATE SET object_key = excluded.object_key,
                    bytes = excluded.bytes""").executeBatch(rows).replaceWithVoid();
    }
}
