package dev.reprise.recording.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.recording.audio.Loudness;
import dev.reprise.recording.audio.MixPiece;
import dev.reprise.recording.audio.MixWindows;
import dev.reprise.recording.audio.TrackSegment;
import dev.reprise.recording.audio.VoiceActivity;
import dev.reprise.recording.config.RecordingConfig;
import dev.reprise.storage.ObjectStorage;
import io.minio.GetObjectArgs;
import io.minio.PutObjectArgs;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Mixes one window of a recording from its sealed segments: each speaker's track is laid out on the window's
 * stretch of time line (silence where nothing was kept), measured for voice activity, and summed into the mix,
 * which is measured for loudness and waveform peaks; then all of it is encoded ({@link WindowEncoder}) and the
 * window's {@link MixPiece} stored. Memory is one window of PCM per buffer, whatever the recording's length.
 * Repeating a window gives the same piece under the same key: a crash or a second replica changes nothing.
 */
@ApplicationScoped
public class WindowMixer {

    private static final Logger LOG = Logger.getLogger(WindowMixer.class);
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);

    private final Pool pool;
    private final ObjectStorage storage;
    private final WindowEncoder encoder;
    private final MixWindows windows;
    private final VoiceActivity voice;
    private final ObjectMapper json;
    private final int mixOpusBitrate;
    private final int mp3Bitrate;

    /** What names every piece of silence (and what the sweep of a finished recording leaves alone). */
    static final String SILENCE_PIECE = "/windows/silence-";

    public WindowMixer(Pool pool, ObjectStorage storage, WindowEncoder encoder, RecordingConfig config,
            ObjectMapper json) {
        this.pool = pool;
        this.storage = storage;
        this.encoder = encoder;
        this.windows = MixWindows.ofMillis(config.mix().windowLength().toMillis());
        this.voice = new VoiceActivity(config.mix().voiceThresholdDbfs(), config.mix().voiceMergeGap().toMillis(),
                config.mix().voiceMinimum().toMillis());
        this.json = json;
        this.mixOpusBitrate = config.mix().mixOpusBitrate();
        this.mp3Bitrate = WindowEncoder.MP3_BITRATE;
    }

    public MixWindows windows() {
        return windows;
    }

    /**
     * A piece's key names the input version it was mixed from (and its length: the last window is mixed again
     * shorter when the room ends): two attempts at one window (a lease lost in a long
     * pause) never overwrite each other's piece, and the row says which one is current.
     */
    public static String pieceKey(UUID recordingId, int window, long inputVersion, int length) {
        return "recordings/" + recordingId + "/windows/" + window + "-" + inputVersion + "-" + length + ".piece";
    }

    /**
     * The piece of a window nobody's audio reaches (not even its pre- and post-roll): it depends only on the
     * window's length, the packets it owns and the bitrates, so a recording encodes it once and its windows of
     * silence share it.
     */
    String silencePieceKey(UUID recordingId, int length, int opusPackets, int mp3Frames) {
        return "recordings/" + recordingId + SILENCE_PIECE + length + "-" + opusPackets + "-" + mp3Frames + "-"
                + mixOpusBitrate + "-" + mp3Bitrate + ".piece";
    }

    /**
     * Mixes window {@code window} of recording {@code recordingId} whose time line has {@code total} samples
     * (-1 while the room is live), under the lease {@code owner}: the result is recorded only while it holds it
     * ({@link MixingWorker.LeaseLost} otherwise).
     */
    public void mix(UUID recordingId, int window, long total, String owner) throws Exception {
        long inputVersion = inputVersion(recordingId, window);
        int length = windows.length(window, total);
        long from = windows.start(window) - MixWindows.PRE_ROLL;
        int encoded = windows.encodedSamples();
        // Audio past the end of the room is not the room's (it cannot exist, but a clock can be wrong).
        long until = total < 0 ? from + encoded : Math.min(from + encoded, total);

        Map<UUID, String> tracks = tracks(recordingId);
        Map<UUID, List<String>> segments = segments(recordingId, from, until);
        Path work = Files.createTempDirectory("reprise-mix-");
        try {
            int[] sum = new int[encoded];
            short[] track = new short[encoded];
            Map<String, Path> voiced = new LinkedHashMap<>();
            Map<String, List<long[]>> activity = new LinkedHashMap<>();
            int index = 0;
            for (Map.Entry<UUID, String> entry : tracks.entrySet()) {
                java.util.Arrays.fill(track, (short) 0);
                boolean any = false;
                for (String key : segments.getOrDefault(entry.getKey(), List.of())) {
                    any |= layOut(read(key), track, from, until);
                }
                if (!any) {
                    continue;
                }
                for (int i = 0; i < encoded; i++) {
                    sum[i] += track[i];
                }
                List<long[]> intervals = voice.detect(track, MixWindows.PRE_ROLL, length, windows.start(window))
                        .stream().map(interval -> new long[] { interval.startMs(), interval.endMs() }).toList();
                if (!intervals.isEmpty()) {
                    activity.put(entry.getValue(), intervals);
                }
                Path file = work.resolve("track-" + index++ + ".pcm");
                Files.write(file, littleEndian(track));
                voiced.put(entry.getValue(), file);
            }
            short[] mix = track;
            int peak = 0;
            for (int i = 0; i < encoded; i++) {
                mix[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, sum[i]));
            }
            for (int i = MixWindows.PRE_ROLL; i < MixWindows.PRE_ROLL + length; i++) {
                peak = Math.max(peak, Math.abs(mix[i]));
            }
            float[] loudness = Loudness.blockMeanSquares(mix, MixWindows.PRE_ROLL, length);
            byte[] peaks = peaks(mix, MixWindows.PRE_ROLL, length);
            int opus = windows.opusPackets(window, total);
            int mp3 = windows.mp3Frames(window, total);
            if (voiced.isEmpty()) {
                String silence = silencePieceKey(recordingId, length, opus, mp3);
                RowSet<Row> shared = pool.preparedQuery("""
                        SELECT piece_bytes, mp3_loudness FROM mix_window
                         WHERE recording_id = $1 AND piece_key = $2 AND mp3_loudness IS NOT NULL LIMIT 1""")
                        .execute(Tuple.of(recordingId, silence)).await().atMost(QUERY_TIMEOUT);
                if (shared.size() > 0) {
                    Row row = shared.iterator().next();
                    record(recordingId, window, inputVersion, silence, row.getLong("piece_bytes"), loudness,
                            Loudness.fromBytes(row.getBuffer("mp3_loudness").getBytes()), peak, peaks, activity,
                            length, owner);
                    LOG.debugf("Mixed window %d (input version %d, %d samples) of recording %s: silence, shared",
                            window, inputVersion, length, recordingId);
                    return;
                }
            }
            Path mixFile = work.resolve("mix.pcm");
            Files.write(mixFile, littleEndian(mix));

            WindowEncoder.Encoded out = encoder.encode(mixFile, voiced, length, work);
            Map<String, List<byte[]>> streams = new LinkedHashMap<>();
            streams.put(MixPiece.MIX_OPUS, owned(out.mixOpus(), opus, "mix Opus"));
            streams.put(MixPiece.MIX_MP3, owned(out.mixMp3(), mp3, "mix MP3"));
            for (Map.Entry<String, List<byte[]>> voicedTrack : out.tracks().entrySet()) {
                streams.put(MixPiece.trackOpus(voicedTrack.getKey()), owned(voicedTrack.getValue(), opus,
                        "track Opus"));
            }
            byte[] piece = new MixPiece(streams).toBytes();
            String key = voiced.isEmpty() ? silencePieceKey(recordingId, length, opus, mp3)
                    : pieceKey(recordingId, window, inputVersion, length);
            storage.client().putObject(PutObjectArgs.builder().bucket(storage.bucket()).object(key)
                    .stream(new ByteArrayInputStream(piece), piece.length, -1)
                    .contentType("application/octet-stream").build());
            record(recordingId, window, inputVersion, key, piece.length, loudness, out.mp3Loudness(), peak, peaks,
                    activity, length, owner);
            LOG.debugf("Mixed window %d (input version %d, %d samples) of recording %s: %d voiced track(s), %d bytes",
                    window, inputVersion, length, recordingId, voiced.size(), piece.length);
        } finally {
            try (Stream<Path> files = Files.list(work)) {
                files.forEach(file -> file.toFile().delete());
            }
            Files.deleteIfExists(work);
        }
    }

    private static List<byte[]> owned(List<byte[]> packets, int owned, String what) {
        if (packets.size() < owned) {
            throw new IllegalStateException("the encoder gave " + packets.size() + " " + what + " packets, "
                    + owned + " needed");
        }
        return packets.subList(0, owned);
    }

    private long inputVersion(UUID recordingId, int window) {
        RowSet<Row> rows = pool.preparedQuery("""
                INSERT INTO mix_window (recording_id, window_index) VALUES ($1, $2)
                ON CONFLICT (recording_id, window_index) DO UPDATE SET input_version = mix_window.input_version
                RETURNING input_version""")
                .execute(Tuple.of(recordingId, window)).await().atMost(QUERY_TIMEOUT);
        return rows.iterator().next().getLong("input_version");
    }

    private Map<UUID, String> tracks(UUID recordingId) {
        Map<UUID, String> tracks = new LinkedHashMap<>();
        pool.preparedQuery("SELECT id, speaker_id FROM track WHERE recording_id = $1 ORDER BY speaker_id")
                .execute(Tuple.of(recordingId)).await().atMost(QUERY_TIMEOUT)
                .forEach(row -> tracks.put(row.getUUID("id"), row.getString("speaker_id")));
        return tracks;
    }

    private Map<UUID, List<String>> segments(UUID recordingId, long from, long until) {
        Map<UUID, List<String>> segments = new LinkedHashMap<>();
        pool.preparedQuery("""
                SELECT s.track_id, s.object_key FROM track_segment s JOIN track t ON t.id = s.track_id
                 WHERE t.recording_id = $1 AND s.start_sample < $3 AND s.end_sample > $2
                 ORDER BY s.track_id, s.start_sample, s.object_key""")
                .execute(Tuple.of(recordingId, from, until)).await().atMost(QUERY_TIMEOUT)
                .forEach(row -> segments.computeIfAbsent(row.getUUID("track_id"), ignored -> new ArrayList<>())
                        .add(row.getString("object_key")));
        return segments;
    }

    private TrackSegment read(String key) throws Exception {
        try (InputStream object = storage.client().getObject(GetObjectArgs.builder().bucket(storage.bucket())
                .object(key).build())) {
            return TrackSegment.read(object);
        }
    }

    /** Copies the segment's audio inside [from, until) into {@code track} (index 0 = {@code from}). */
    private static boolean layOut(TrackSegment segment, short[] track, long from, long until) {
        boolean any = false;
        for (TrackSegment.Run run : segment.runs()) {
            long start = Math.max(run.position(), from);
            long end = Math.min(run.end(), until);
            if (start >= end) {
                continue;
            }
            System.arraycopy(run.samples(), (int) (start - run.position()), track, (int) (start - from),
                    (int) (end - start));
            any = true;
        }
        return any;
    }

    /** Waveform peaks of a clip-picking UI: min and max per 100 ms, as signed bytes (the top 8 bits). */
    static byte[] peaks(short[] mix, int offset, int length) {
        int pixels = (length + MixWindows.BLOCK - 1) / MixWindows.BLOCK;
        byte[] peaks = new byte[2 * pixels];
        for (int p = 0; p < pixels; p++) {
            int min = 0;
            int max = 0;
            for (int i = offset + p * MixWindows.BLOCK; i < Math.min(offset + length, offset + (p + 1)
                    * MixWindows.BLOCK); i++) {
                min = Math.min(min, mix[i]);
                max = Math.max(max, mix[i]);
            }
            peaks[2 * p] = (byte) (min >> 8);
            peaks[2 * p + 1] = (byte) (max >> 8);
        }
        return peaks;
    }

    private static io.vertx.core.buffer.Buffer floats(float[] values) {
        return io.vertx.core.buffer.Buffer.buffer(Loudness.toBytes(values));
    }

    private static byte[] littleEndian(short[] samples) {
        ByteBuffer bytes = ByteBuffer.allocate(2 * samples.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asShortBuffer().put(samples);
        return bytes.array();
    }

    /**
     * Records the window's new piece, fenced by the lease: a replica that lost it (a long pause) must not point a
     * window at a piece the new holder's sweep may already have removed.
     */
    private void record(UUID recordingId, int window, long inputVersion, String key, long bytes, float[] loudness,
            float[] mp3Loudness, int peak, byte[] peaks, Map<String, List<long[]>> activity, int length,
            String owner) throws IOException {
        long ours = pool.preparedQuery("""
                WITH ours AS (SELECT id FROM recording WHERE id = $1 AND lease_owner = $12),
                     recorded AS (
                        UPDATE mix_window SET mixed_version = $3, piece_key = $4, piece_bytes = $5, loudness = $6,
                               sample_peak = $7, peaks = $8, activity = $9, samples = $10, mp3_loudness = $11,
                               mixed_at = now()
                         WHERE recording_id = $1 AND window_index = $2 AND EXISTS (SELECT 1 FROM ours)
                           AND (mixed_version < $3 OR mixed_version = $3 AND samples <> $10))
                SELECT count(*) FROM ours""")
                .execute(Tuple.from(List.of(recordingId, window, inputVersion, key, bytes, floats(loudness), peak,
                        io.vertx.core.buffer.Buffer.buffer(peaks),
                        new JsonObject(json.writeValueAsString(activity)), length, floats(mp3Loudness), owner)))
                .await().atMost(QUERY_TIMEOUT).iterator().next().getLong(0);
        if (ours == 0) {
            throw new MixingWorker.LeaseLost(recordingId.toString());
        }
        pool.preparedQuery("UPDATE recording SET next_window = GREATEST(next_window, $2) WHERE id = $1")
                .execute(Tuple.of(recordingId, window + 1)).await().atMost(QUERY_TIMEOUT);
    }
}
