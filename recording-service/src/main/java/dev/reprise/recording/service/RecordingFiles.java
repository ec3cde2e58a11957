package dev.reprise.recording.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.contracts.recording.RecordingFile;
import dev.reprise.contracts.recording.RecordingFileKind;
import dev.reprise.contracts.recording.SpeakerTimeline;
import dev.reprise.recording.audio.MixWindows;
import dev.reprise.recording.audio.Pcm;
import dev.reprise.storage.ObjectStorage;
import io.minio.GetObjectArgs;
import io.minio.UploadObjectArgs;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A recording version's files: where they go in object storage, the JSON ones' formats, and their rows. */
@ApplicationScoped
public class RecordingFiles {

    private final ObjectStorage storage;
    private final ObjectMapper json;

    public RecordingFiles(ObjectStorage storage, ObjectMapper json) {
        this.storage = storage;
        this.json = json;
    }

    /**
     * Where one attempt at version {@code version} writes: its own prefix, so an attempt that lost its lease never
     * overwrites the files of the one that published; what it leaves goes with the recording's deletion.
     */
    public static String prefix(UUID recordingId, int version) {
        return "recordings/" + recordingId + "/v" + version + "-" + UUID.randomUUID().toString().substring(0, 8)
                + "/";
    }

    public String bucket() {
        return storage.bucket();
    }

    /** Longest a file of a version may take to store (a 3-hour room's MP3 is about 90 MB). */
    private static final java.time.Duration UPLOAD_LIMIT = java.time.Duration.ofMinutes(10);

    /** A file of a version to store: where it is, under which key, and what it is. */
    public record Upload(Path file, String key, String name, RecordingFileKind kind, String speaker,
            String contentType) {
    }

    /** Uploads at once, in the object store's own parallelism: a 3-hour room's files are hundreds of MB. */
    private final java.util.concurrent.ExecutorService uploaders = java.util.concurrent.Executors.newFixedThreadPool(3,
            runnable -> {
                Thread thread = new Thread(runnable, "recording-file-upload");
                thread.setDaemon(true);
                return thread;
            });

    /**
     * Uploads {@code uploads} three at a time, the lease renewed meanwhile; the files in the order given. If one
     * fails the others are cancelled (an upload already under way may still land: the next sweep removes it).
     */
    List<RecordingFile> uploadAll(List<Upload> uploads, LeaseRenewal renewal) throws Exception {
        List<java.util.concurrent.Future<RecordingFile>> pending = new java.util.ArrayList<>();
        for (Upload upload : uploads) {
            pending.add(uploaders.submit(() -> upload(upload.file(), upload.key(), upload.name(), upload.kind(),
                    upload.speaker(), upload.contentType())));
        }
        List<RecordingFile> files = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < pending.size(); i++) {
                files.add(renewal.await(pending.get(i), UPLOAD_LIMIT, "storing " + uploads.get(i).key()));
            }
        } catch (Exception | Error failed) {
            pending.forEach(file -> file.cancel(true));
            throw failed;
        }
        return files;
    }

    @jakarta.annotation.PreDestroy
    void stop() {
        uploaders.shutdownNow();
        downloaders.shutdownNow();
    }

    /** Fetches a whole object (a window's piece) on a download thread. */
    public java.util.concurrent.Future<byte[]> fetch(String key) {
        return downloaders.submit(() -> {
            try (InputStream object = storage.client().getObject(GetObjectArgs.builder().bucket(storage.bucket())
                    .object(key).build())) {
                return object.readAllBytes();
            }
        });
    }

    private final java.util.concurrent.ExecutorService downloaders = java.util.concurrent.Executors.newFixedThreadPool(
            2, runnable -> {
                Thread thread = new Thread(runnable, "recording-piece-fetch");
                thread.setDaemon(true);
                return thread;
            });

    public RecordingFile upload(Path file, String key, String name, RecordingFileKind kind, String speaker,
            String contentType) throws Exception {
        storage.client().uploadObject(UploadObjectArgs.builder().bucket(storage.bucket()).object(key)
                .filename(file.toString()).contentType(contentType).build());
        return new RecordingFile(name, kind, speaker, key, contentType, Files.size(file));
    }

    public Path download(String key, Path file) throws Exception {
        try (InputStream object = storage.client().getObject(GetObjectArgs.builder().bucket(storage.bucket())
                .object(key).build())) {
            Files.copy(object, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    /** The speaker timeline file: who spoke when on this version's time line. */
    public void writeTimeline(Path file, UUID recordingId, int version, long durationMs,
            List<SpeakerTimeline> speakers) throws IOException {
        json.writeValue(file.toFile(), Map.of("recordingId", recordingId, "version", version, "durationMs",
                durationMs, "speakers", speakers));
    }

    /**
     * Peaks in the waveform-data format of BBC's audiowaveform (version 2, 8 bits), which peaks.js and other
     * players read: min/max pairs per 100 ms, scaled by the loudness gain like the audio.
     */
    public void writePeaks(Path file, byte[] peaks, double gainDb) throws IOException {
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

    /** The version's file rows, in the caller's transaction. */
    public static Uni<Void> insertRows(SqlConnection connection, UUID recordingId, int version,
            List<RecordingFile> files) {
        List<Tuple> rows = files.stream().map(file -> Tuple.from(java.util.Arrays.asList(
                recordingId, version, file.name(), file.kind().name(), file.speakerId(), file.objectKey(),
                file.contentType(), file.bytes()))).toList();
        return connection.preparedQuery("""
                INSERT INTO recording_file (recording_id, version, name, kind, speaker_id, object_key, content_type,
                                            bytes)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (recording_id, version, name) DO UPDATE SET object_key = excluded.object_key,
                    bytes = excluded.bytes""").executeBatch(rows).replaceWithVoid();
    }
}
