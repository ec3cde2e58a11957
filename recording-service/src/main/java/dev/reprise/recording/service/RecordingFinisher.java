package dev.reprise.recording.service;

import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.recording.KeptRange;
import dev.reprise.contracts.recording.RecordingEdited;
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
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
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
    /** Longest a window's piece may take to fetch. */
    private static final Duration PIECE_LIMIT = Duration.ofSeconds(60);
    /** Pieces fetched ahead of the one being joined. */
    private static final int PIECES_AHEAD = 3;
    /** Clock difference between this replica and the object store that the sweep tolerates. */
    private static final Duration SWEEP_MARGIN = Duration.ofSeconds(2);
    /** MP3 global gain moves in steps of 2^(1/4) in amplitude. */
    private static final double MP3_GAIN_STEP_DB = 1.505;

    private final Pool pool;
    private final ObjectStorage storage;
    private final WindowMixer mixer;
    private final WindowEncoder encoder;
    private final Outbox outbox;
    private final RecordingFiles recordingFiles;
    private final RecordingConfig.Mix config;
    private final RecordingConfig.Retention retention;
    private final VoiceActivity voice;

    public RecordingFinisher(Pool pool, ObjectStorage storage, WindowMixer mixer, WindowEncoder encoder,
            Outbox outbox, RecordingFiles recordingFiles, RecordingConfig config) {
        this.pool = pool;
        this.storage = storage;
        this.mixer = mixer;
        this.encoder = encoder;
        this.outbox = outbox;
        this.recordingFiles = recordingFiles;
        this.config = config.mix();
        this.retention = config.retention();
        this.voice = new VoiceActivity(config.mix().voiceThresholdDbfs(), config.mix().voiceMergeGap().toMillis(),
                config.mix().voiceMinimum().toMillis());
    }

    private record Finishing(UUID id, UUID roomId, String hostId, RetentionPolicy retention, Instant startedAt,
            Instant endedAt, int version, Instant now, boolean held, boolean saved, String status,
            String keptRanges, boolean rebuildNeeded, boolean sweepNeeded) {
    }

    /**
     * Finishes recording {@code recordingId} under the lease {@code owner}; {@code renew} extends the lease between
     * steps (and throws when it was lost). A READY recording whose audio changed since (a consent withdrawal cut
     * after the end) is built again as its next version. Returns false when it cannot finish yet: the room's last
     * audio or a consent re-cut is still on its way.
     */
    public boolean finish(UUID recordingId, String owner, Runnable renew) throws Exception {
        Instant attemptStarted = Instant.now();
        Finishing recording = load(recordingId);
        boolean rebuild = recording.status().equals("READY");
        if (rebuild && !recording.rebuildNeeded()) {
            // Ready, but what earlier versions left is not all removed yet (the store failed the last sweep).
            return sweepOrKeepDue(recording.id(), recording.version(), attemptStarted, renew);
        }
        long total = Pcm.millisToSamples(Duration.between(recording.startedAt(), recording.endedAt()).toMillis());
        if (total <= 0) {
            pool.preparedQuery("""
                    UPDATE recording SET status = 'FAILED', processing_step = NULL,
                           failure = 'The room ended as it started: there is nothing to record.'
                     WHERE id = $1 AND lease_owner = $2 AND status IN ('RECORDING', 'PROCESSING')""")
                    .execute(Tuple.of(recordingId, owner)).await().atMost(QUERY_TIMEOUT);
            return true;
        }
        if (recording.now().isBefore(recording.endedAt().plus(config.endGrace()))) {
            return false;
        }
        step(recordingId, "WAITING_FOR_INGEST");
        if (!ingestDone(recording)) {
            return false;
        }
        if (!rebuild && recording.retention() == RetentionPolicy.EPHEMERAL && !recording.held()
                && !recording.saved()) {
            // Delete-at-end: nothing is built; the retention worker removes what ingest stored (all of it is in:
            // ingest is done).
            pool.preparedQuery("""
                    UPDATE recording SET status = 'DELETING', deletion_reason = 'EPHEMERAL', delete_after = ended_at,
                           processing_step = NULL
                     WHERE id = $1 AND lease_owner = $2 AND status IN ('RECORDING', 'PROCESSING')""")
                    .execute(Tuple.of(recordingId, owner)).await().atMost(QUERY_TIMEOUT);
            LOG.infof("Recording %s: the room was ephemeral; deleting instead of building", recordingId);
            return true;
        }
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
            if (state == null || state[1] < 0 || state[0] > state[1] || state[2] != windows.length(window, total)) {
                mixer.mix(recordingId, window, total, owner);
                renew.run();
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
        String prefix = RecordingFiles.prefix(recordingId, version);
        Path work = Files.createTempDirectory("reprise-finish-");
        try {
            LeaseRenewal renewal = new LeaseRenewal(renew);
            Map<String, Path> outputs = join(recordingId, windows, count, total, gain, mp3Steps, speakers,
                    measured.pieces(), renewal, work);
            List<RecordingFiles.Upload> uploads = new ArrayList<>();
            uploads.add(new RecordingFiles.Upload(outputs.get(MixPiece.MIX_OPUS), prefix + "recording.opus",
                    "recording.opus", RecordingFileKind.MIX, null, "audio/ogg"));
            uploads.add(new RecordingFiles.Upload(outputs.get(MixPiece.MIX_MP3), prefix + "recording.mp3",
                    "recording.mp3", RecordingFileKind.MIX, null, "audio/mpeg"));
            for (String speaker : speakers) {
                String name = "tracks/" + speaker + ".opus";
                uploads.add(new RecordingFiles.Upload(outputs.get(MixPiece.trackOpus(speaker)), prefix + name, name,
                        RecordingFileKind.TRACK, speaker, "audio/ogg"));
            }
            List<SpeakerTimeline> timeline = timeline(speakers, measured.activity());
            Path timelineFile = work.resolve("timeline.json");
            recordingFiles.writeTimeline(timelineFile, recordingId, version, Pcm.samplesToMillis(total), timeline);
            uploads.add(new RecordingFiles.Upload(timelineFile, prefix + "timeline.json", "timeline.json",
                    RecordingFileKind.TIMELINE, null, "application/json"));
            Path peaksFile = work.resolve("peaks.json");
            recordingFiles.writePeaks(peaksFile, measured.peaks(), gain);
            uploads.add(new RecordingFiles.Upload(peaksFile, prefix + "peaks.json", "peaks.json",
                    RecordingFileKind.PEAKS, null, "application/json"));
            renew.run();
            List<RecordingFile> files = recordingFiles.uploadAll(uploads, renewal);
            renew.run();

            double delivered = Double.isFinite(loudness) ? loudness + gain : -70.0;
            long durationMs = Pcm.samplesToMillis(total);
            Object event = rebuild
                    ? new RecordingEdited(recordingId, recording.roomId(), recording.hostId(), version,
                            recording.version(), List.of(new KeptRange(0, durationMs, 0)), durationMs, delivered,
                            storage.bucket(), files, timeline, recording.now())
                    : new RecordingFinalized(recordingId, recording.roomId(), recording.hostId(), version,
                            recording.startedAt(), recording.endedAt(), durationMs, delivered, recording.retention(),
                            storage.bucket(), files, timeline, recording.now());
            Instant deleteAfter = RetentionWorker.deleteAfter(recording.retention().name(), recording.endedAt(),
                    recording.saved(), retention);
            if (!publish(recording, event, version, count, files, owner, loudness, gain, deleteAfter, rebuild)) {
                return false;
            }
            LOG.infof("Recording %s %s: version %d, %d ms, %d window(s), %.1f LUFS measured, %+.2f dB applied,"
                    + " %d speaker track(s)", recordingId, rebuild ? "built again" : "finished", version,
                    durationMs, count, loudness, gain, speakers.size());
            sweepOrKeepDue(recordingId, version, attemptStarted, renew);
            return true;
        } finally {
            try (Stream<Path> paths = Files.walk(work)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    /**
     * Whether everything the room's speakers may contribute is in: no journal of it waits to be sealed (or the
     * wait for one is over: a replica gone with its disk) and no consent withdrawal waits to be cut.
     */
    private boolean ingestDone(Finishing recording) {
        Row pending = pool.preparedQuery("""
                SELECT (SELECT count(*) FROM pending_journal WHERE recording_id = $1) AS journals,
                       (SELECT string_agg(journal, ', ') FROM pending_journal WHERE recording_id = $1) AS names,
                       (SELECT count(*) FROM consent_recut WHERE room_id = $2) AS recuts""")
                .execute(Tuple.of(recording.id(), recording.roomId())).await().atMost(QUERY_TIMEOUT).iterator()
                .next();
        if (pending.getLong("recuts") > 0) {
            return false;
        }
        if (pending.getLong("journals") > 0) {
            if (recording.now().isBefore(recording.endedAt().plus(config.journalWait()))) {
                return false;
            }
            LOG.warnf("Recording %s: finishing without journal(s) %s, not sealed %s after the room ended"
                    + " (a replica gone with its disk?)", recording.id(), pending.getString("names"),
                    config.journalWait());
        }
        return true;
    }

    /**
     * Sweeps what earlier versions and attempts of a ready recording left; if the store fails, the recording stays
     * marked for a sweep (a later claim tries again: an earlier version may hold a withdrawn voice). False then.
     */
    private boolean sweepOrKeepDue(UUID recordingId, int version, Instant attemptStarted, Runnable renew) {
        try {
            sweep(recordingId, version, attemptStarted.minus(SWEEP_MARGIN), renew);
        } catch (MixingWorker.LeaseLost lost) {
            throw lost;
        } catch (Exception e) {
            LOG.warnf("Recording %s: cannot remove what earlier versions and attempts left now (%s); trying again",
                    recordingId, e.toString());
            return false;
        }
        pool.preparedQuery("UPDATE recording SET sweep_needed = false WHERE id = $1 AND version = $2")
                .execute(Tuple.of(recordingId, version)).await().atMost(QUERY_TIMEOUT);
        return true;
    }

    /**
     * Once a version is ready: removes every object of the recording but that version's files, the current window
     * pieces and the sealed segments. Earlier versions (a rebuild without a withdrawn voice), superseded pieces
     * and what killed or failed attempts left all go; a later version being written (an edit) stays, and so does
     * anything written since {@code before} (a late segment whose row is not committed yet).
     */
    private void sweep(UUID recordingId, int version, Instant before, Runnable renew) throws Exception {
        java.util.Set<String> keep = new java.util.HashSet<>();
        pool.preparedQuery("""
                SELECT object_key AS key FROM recording_file WHERE recording_id = $1 AND version = $2
                UNION ALL SELECT piece_key FROM mix_window WHERE recording_id = $1 AND piece_key IS NOT NULL
                UNION ALL SELECT s.object_key FROM track_segment s JOIN track t ON t.id = s.track_id
                           WHERE t.recording_id = $1""")
                .execute(Tuple.of(recordingId, version)).await().atMost(QUERY_TIMEOUT)
                .forEach(row -> keep.add(row.getString("key")));
        String prefix = "recordings/" + recordingId + "/";
        java.util.regex.Pattern versioned = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(prefix)
                + "v(\\d+)-.*");
        int removed = 0;
        int seen = 0;
        for (var item : storage.client().listObjects(io.minio.ListObjectsArgs.builder().bucket(storage.bucket())
                .prefix(prefix).recursive(true).build())) {
            String key = item.get().objectName();
            java.util.regex.Matcher match = versioned.matcher(key);
            // A piece of silence is looked up and reused by any later mix of the recording: it stays (it is small).
            // Files of this or an earlier version that are not this version's go whatever their age: no other attempt
            // at them can be under way (this one holds the lease and published).
            boolean versionFile = match.matches();
            if (keep.contains(key) || versionFile && Integer.parseInt(match.group(1)) > version
                    || key.contains(WindowMixer.SILENCE_PIECE)
                    || !versionFile && item.get().lastModified().toInstant().isAfter(before)) {
                continue;
            }
            if (++seen % 50 == 0) {
                renew.run(); // a sweep that outlives its lease stops: another replica works on the recording now
            }
            storage.client().removeObject(io.minio.RemoveObjectArgs.builder().bucket(storage.bucket()).object(key)
                    .build());
            removed++;
        }
        pool.preparedQuery("DELETE FROM recording_file WHERE recording_id = $1 AND version < $2")
                .execute(Tuple.of(recordingId, version)).await().atMost(QUERY_TIMEOUT);
        if (removed > 0) {
            LOG.infof("Recording %s: %d object(s) of earlier versions and attempts removed", recordingId, removed);
        }
    }

    private Finishing load(UUID recordingId) {
        Row row = pool.preparedQuery("""
                SELECT r.id, r.room_id, p.host_id, COALESCE(r.retention_policy, p.retention_policy) AS retention_policy,
                       r.started_at, r.ended_at, r.version, now() AS now, r.hold_reason IS NOT NULL AS held,
                       r.saved_at IS NOT NULL AS saved, r.status, CAST(r.kept_ranges AS text) AS kept_ranges,
                       r.rebuild_needed, r.sweep_needed
                  FROM recording r JOIN room_policy p ON p.room_id = r.room_id WHERE r.id = $1""")
                .execute(Tuple.of(recordingId)).await().atMost(QUERY_TIMEOUT).iterator().next();
        return new Finishing(row.getUUID("id"), row.getUUID("room_id"), row.getString("host_id"),
                RetentionPolicy.valueOf(row.getString("retention_policy")),
                row.getOffsetDateTime("started_at").toInstant(), row.getOffsetDateTime("ended_at").toInstant(),
                row.getInteger("version"), row.getOffsetDateTime("now").toInstant(), row.getBoolean("held"),
                row.getBoolean("saved"), row.getString("status"), row.getString("kept_ranges"),
                row.getBoolean("rebuild_needed"), row.getBoolean("sweep_needed"));
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
    private record Measured(List<String> pieces, float[] loudness, float[] mp3Loudness, int samplePeak, byte[] peaks,
            Map<String, List<VoiceActivity.Interval>> activity) {
    }

    private Measured measure(UUID recordingId, int count) {
        RowSet<Row> rows = pool.preparedQuery("""
                SELECT window_index, piece_key, loudness, mp3_loudness, sample_peak, peaks, activity FROM mix_window
                 WHERE recording_id = $1 AND window_index < $2 ORDER BY window_index""")
                .execute(Tuple.of(recordingId, count)).await().atMost(QUERY_TIMEOUT);
        java.io.ByteArrayOutputStream loudness = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream mp3Loudness = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream peaks = new java.io.ByteArrayOutputStream();
        Map<String, List<VoiceActivity.Interval>> activity = new LinkedHashMap<>();
        int peak = 0;
        List<String> pieces = new ArrayList<>();
        for (Row row : rows) {
            if (row.getInteger("window_index") != pieces.size()) {
                throw new IllegalStateException("window " + pieces.size() + " of recording " + recordingId
                        + " was not mixed");
            }
            pieces.add(row.getString("piece_key"));
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
        if (pieces.size() != count) {
            throw new IllegalStateException("recording " + recordingId + " has " + pieces.size() + " of " + count
                    + " windows mixed");
        }
        return new Measured(pieces, Loudness.fromBytes(loudness.toByteArray()),
                Loudness.fromBytes(mp3Loudness.toByteArray()), peak,
                peaks.toByteArray(), activity);
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
            int mp3Steps, List<String> speakers, List<String> pieces, LeaseRenewal renewal, Path work)
            throws Exception {
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

            // The next pieces are fetched while this one is written (a few at a time: memory stays a few pieces).
            java.util.ArrayDeque<java.util.concurrent.Future<byte[]>> ahead = new java.util.ArrayDeque<>();
            int fetched = 0;
            String lastKey = null;
            byte[] lastPiece = null;
            try {
                for (int window = 0; window < count; window++) {
                    renewal.whenDue();
                    // Windows of silence share one piece: it is fetched once (and parsed afresh for each window,
                    // since the gain is written into its frames).
                    for (; fetched < count && ahead.size() < PIECES_AHEAD; fetched++) {
                        boolean repeated = fetched > 0 && pieces.get(fetched).equals(pieces.get(fetched - 1));
                        ahead.add(repeated ? java.util.concurrent.CompletableFuture.completedFuture(null)
                                : recordingFiles.fetch(pieces.get(fetched)));
                    }
                    byte[] bytes = renewal.await(ahead.peek(), PIECE_LIMIT, "fetching " + pieces.get(window));
                    ahead.poll();
                    if (bytes != null) {
                        lastKey = pieces.get(window);
                        lastPiece = bytes;
                    } else if (!pieces.get(window).equals(lastKey)) {
                        throw new IllegalStateException("piece " + pieces.get(window) + " was not fetched");
                    }
                    MixPiece piece = MixPiece.read(new java.io.ByteArrayInputStream(lastPiece));
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
            } finally {
                ahead.forEach(future -> future.cancel(true));
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

    /**
     * The recording is ready, with its files and its event, in one transaction, if this attempt still holds the
     * lease and nothing changed meanwhile: no window went stale, no consent re-cut is waiting. False if something
     * did (the next attempt builds again); {@link MixingWorker.LeaseLost} if another attempt holds the lease.
     */
    private boolean publish(Finishing recording, Object event, int version, int count, List<RecordingFile> files,
            String owner, double measured, double gain, Instant deleteAfter, boolean rebuild) {
        Instant now = recording.now();
        Boolean published = pool.withTransaction(connection -> connection.preparedQuery("""
                UPDATE recording r SET status = 'READY', processing_step = NULL, version = $3, duration_ms = $4,
                       loudness_lufs = $5, gain_db = $6, finalized_at = COALESCE(finalized_at, $7), failure = NULL,
                       attempts = 0, rebuild_needed = false, sweep_needed = true,
                       delete_after = CASE WHEN $9 THEN delete_after WHEN saved_at IS NOT NULL THEN NULL ELSE $8 END
                 WHERE id = $1 AND lease_owner = $2 AND status = CASE WHEN $9 THEN 'READY' ELSE 'PROCESSING' END
                   AND version = $11
                   AND NOT EXISTS (SELECT 1 FROM mix_window w WHERE w.recording_id = r.id
                                      AND w.window_index < $10 AND w.input_version > w.mixed_version)
                   AND NOT EXISTS (SELECT 1 FROM consent_recut c WHERE c.room_id = r.room_id)
                RETURNING id""")
                .execute(Tuple.from(java.util.Arrays.asList(recording.id(), owner, version,
                        durationOf(event), Double.isFinite(measured) ? measured : -70.0, gain,
                        now.atOffset(java.time.ZoneOffset.UTC),
                        deleteAfter == null ? null : deleteAfter.atOffset(java.time.ZoneOffset.UTC), rebuild,
                        count, recording.version())))
                .flatMap(updated -> updated.size() == 0 ? Uni.createFrom().item(false)
                        : RecordingFiles.insertRows(connection, recording.id(), version, files)
                                .chain(() -> connection.preparedQuery("""
                                        WITH beyond AS (UPDATE mix_window SET mixed_version = input_version
                                                         WHERE recording_id = $1 AND window_index >= $2)
                                        DELETE FROM pending_journal WHERE recording_id = $1""")
                                        .execute(Tuple.of(recording.id(), count)))
                                .chain(() -> rebuild && recording.keptRanges() != null
                                        // Built again from the original time line: the host's edits apply again.
                                        ? connection.preparedQuery("""
                                                WITH superseded AS (
                                                    UPDATE recording_edit SET status = 'FAILED', failure = 'The'
                                                        || ' recording was built again; edit its current version.'
                                                     WHERE recording_id = $1 AND status = 'PENDING')
                                                INSERT INTO recording_edit (id, recording_id, source_version,
                                                        kept_ranges, status, requested_by, from_original)
                                                VALUES (gen_random_uuid(), $1, $2, CAST(CAST($3 AS text) AS jsonb),
                                                        'PENDING', 'reprise', true)""")
                                                .execute(Tuple.of(recording.id(), version, recording.keptRanges()))
                                                .replaceWithVoid()
                                        : Uni.createFrom().voidItem())
                                .chain(() -> rebuild
                                        ? outbox.add(connection, EventCatalog.RECORDING_EDITED,
                                                recording.roomId().toString(), (RecordingEdited) event, now)
                                        : outbox.add(connection, EventCatalog.RECORDING_FINALIZED,
                                                recording.roomId().toString(), (RecordingFinalized) event, now))
                                .replaceWith(true)))
                .await().atMost(QUERY_TIMEOUT);
        if (!published) {
            boolean stillOurs = pool.preparedQuery("SELECT 1 FROM recording WHERE id = $1 AND lease_owner = $2")
                    .execute(Tuple.of(recording.id(), owner)).await().atMost(QUERY_TIMEOUT).size() > 0;
            if (!stillOurs) {
                throw new MixingWorker.LeaseLost(recording.id().toString());
            }
            LOG.infof("Recording %s changed while it was being finished; building it again", recording.id());
        }
        return published;
    }

    private static long durationOf(Object event) {
        return event instanceof RecordingEdited edited ? edited.durationMs()
                : ((RecordingFinalized) event).durationMs();
    }

}
