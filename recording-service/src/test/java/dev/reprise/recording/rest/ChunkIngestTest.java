package dev.reprise.recording.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.equalTo;

import dev.reprise.recording.audio.TrackSegment;
import dev.reprise.recording.service.IngestTokens;
import dev.reprise.stack.testing.LocalStackTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Chunk upload over HTTP on the real stack: WAV, raw PCM and Ogg/Opus; idempotent, placed by offset, refused when wrong. */
@QuarkusTest
@WithTestResource(value = LocalStackTestResource.class,
        initArgs = @ResourceArg(name = "service", value = "recording-service"))
class ChunkIngestTest {

    
    @Inject
    Pool pool;

    @Inject
    IngestTokens tokens;

    @Inject
    StoredAudio stored;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private AnnouncedRooms rooms;

    @BeforeEach
    void connect() {
        rooms = new AnnouncedRooms(bootstrapServers, pool);
    }

    @AfterEach
    void disconnect() {
        rooms.close();
    }

    @Test
    void chunksArePlacedByTheirOffsetsWhateverTheOrderAndARetriedChunkIsStoredOnce() throws Exception {
        UUID room = rooms.live("dana", true).id();
        String token = tokens.issue(room, "dana").token();
        byte[] first = wav(LiveKitEgress.tone(440, 1000, 0.3), 1);
        byte[] second = wav(stereo(LiveKitEgress.tone(660, 1000, 0.3)), 2);
        byte[] fourth = wav(LiveKitEgress.tone(880, 500, 0.3), 1);

        put(room, "dana", token, 0, 1000, "audio/wav", first).statusCode(201).body("duplicate", equalTo(false));
        // The second arrives after the fourth; the third (3000-4000 ms) never comes: a gap.
        put(room, "dana", token, 3, 4000, "audio/wav", fourth).statusCode(201);
        put(room, "dana", token, 1, 2000, "audio/wav", second).statusCode(201);
        // A retry of the first, as after a lost response: acknowledged, not stored again.
        put(room, "dana", token, 0, 1000, "audio/wav", first).statusCode(200).body("duplicate", equalTo(true));
        // The same sequence with other audio is a conflict.
        put(room, "dana", token, 0, 1000, "audio/wav", fourth).statusCode(409)
                .body("type", equalTo("urn:reprise:problem:chunk-conflict"));

        List<TrackSegment.Run> runs = stored.runs(room, "dana", 1);
        // 1000-3000 ms is one run (440 then 660, touching), then the gap, then 880 at 4000 ms; exactly where and
        // as long as the chunks said, stored once.
        assertThat(runs).extracting(TrackSegment.Run::position).containsExactly(48_000L, 192_000L);
        assertThat(runs.get(0).samples().length).isEqualTo(96_000);
        assertThat(runs.get(1).samples().length).isEqualTo(24_000);
        assertThat(StoredAudio.frequency(new TrackSegment.Run(0,
                java.util.Arrays.copyOfRange(runs.get(0).samples(), 0, 48_000)))).isCloseTo(440, within(5.0));
        assertThat(StoredAudio.frequency(new TrackSegment.Run(0,
                java.util.Arrays.copyOfRange(runs.get(0).samples(), 48_000, 96_000)))).isCloseTo(660, within(5.0));
        assertThat(rooms.count("SELECT count(*) FROM ingest_chunk c JOIN track t ON t.id = c.track_id JOIN recording r"
                + " ON r.id = t.recording_id WHERE r.room_id = $1", room)).isEqualTo(3);
    }

    @Test
    void rawPcmAndOggOpusAreTakenToo() throws Exception {
        UUID room = rooms.live("emil", true).id();
        String token = tokens.issue(room, "emil").token();
        short[] tone = LiveKitEgress.tone(500, 1000, 0.3);
        put(room, "emil", token, 0, 0, "audio/x-raw;rate=48000;channels=1", pcm(tone)).statusCode(201);
        put(room, "emil", token, 1, 2000, "audio/ogg", opus(tone)).statusCode(201)
                .body("durationMillis", equalTo(1000));

        List<TrackSegment.Run> runs = stored.runs(room, "emil", 1);
        assertThat(runs).extracting(TrackSegment.Run::position).containsExactly(0L, 96_000L);
        assertThat(StoredAudio.frequency(runs.get(1))).isCloseTo(500, within(5.0));
    }

    @Test
    void wrongAudioIsRefusedWithProblemDetailsAndNothingIsStored() throws Exception {
        UUID room = rooms.live("fay", true).id();
        String token = tokens.issue(room, "fay").token();
        byte[] good = wav(LiveKitEgress.tone(440, 200, 0.3), 1);
        problem(put(room, "fay", "v1.forged.a.b.c", 0, 0, "audio/wav", good), 401, "invalid-ingest-token");
        problem(put(room, "fay", tokens.issue(room, "gus").token(), 0, 0, "audio/wav", good), 401,
                "invalid-ingest-token");
        problem(put(room, "fay", token, 0, 0, "audio/mpeg", good), 415, "unsupported-audio");
        problem(put(room, "fay", token, 0, 0, "audio/wav", wav44100()), 415, "unsupported-audio");
        problem(put(room, "fay", token, 0, 0, "audio/wav", java.util.Arrays.copyOf(good, 30)), 400, "corrupt-audio");
        problem(put(room, "fay", token, 0, 0, "audio/x-raw;channels=2", new byte[] {1, 2, 3}), 400, "corrupt-audio");
        problem(put(room, "fay", token, 0, 0, "audio/ogg", "OggS and then nonsense".getBytes()), 400,
                "corrupt-audio");
        problem(given().queryParam("token", token).contentType("audio/wav").body(good)
                .put("/recordings/ingest/rooms/{room}/speakers/fay/chunks/0", room).then(), 400, "invalid-request");
        problem(put(room, "fay", token, 0, 0, "audio/wav", new byte[5 * 1024 * 1024]), 413, "body-too-large");
        problem(put(room, "gus", tokens.issue(room, "gus").token(), 0, 0, "audio/wav", good), 403,
                "no-recording-consent");

        put(room, "fay", token, 5, 0, "audio/wav", good).statusCode(201);
        problem(put(room, "fay", token, 50_000, 1000, "audio/wav", good), 409, "sequence-out-of-order");
        assertThat(rooms.count("SELECT count(*) FROM ingest_chunk c JOIN track t ON t.id = c.track_id JOIN recording r"
                + " ON r.id = t.recording_id WHERE r.room_id = $1", room)).isEqualTo(1);
    }

    @Test
    void theSameChunkUploadedTwiceAtOnceIsStoredOnce() throws Exception {
        UUID room = rooms.live("hal", true).id();
        String token = tokens.issue(room, "hal").token();
        byte[] chunk = wav(LiveKitEgress.tone(440, 1000, 0.3), 1);
        ExecutorService pool2 = Executors.newFixedThreadPool(4);
        try {
            Callable<Integer> upload = () -> put(room, "hal", token, 7, 500, "audio/wav", chunk).extract().statusCode();
            List<Future<Integer>> results = pool2.invokeAll(List.of(upload, upload, upload, upload));
            List<Integer> statuses = new java.util.ArrayList<>();
            for (Future<Integer> result : results) {
                statuses.add(result.get());
            }
            assertThat(statuses).containsOnly(200, 201).contains(201);
        } finally {
            pool2.shutdown();
        }
        List<TrackSegment.Run> runs = stored.runs(room, "hal", 1);
        assertThat(runs).hasSize(1);
        assertThat(runs.get(0).samples().length).isEqualTo(48_000);
    }

    // --- helpers

    private ValidatableResponse put(UUID room, String speaker, String token, long sequence, long offsetMillis,
            String contentType, byte[] body) {
        return given().queryParam("token", token).queryParam("offsetMs", offsetMillis).contentType(contentType)
                .body(body).put("/recordings/ingest/rooms/{room}/speakers/{speaker}/chunks/{sequence}", room, speaker,
                        sequence).then();
    }

    private static void problem(ValidatableResponse response, int status, String type) {
        response.statusCode(status).contentType("application/problem+json")
                .body("type", equalTo("urn:reprise:problem:" + type)).body("status", equalTo(status));
    }

    static short[] stereo(short[] mono) {
        short[] stereo = new short[mono.length * 2];
        for (int i = 0; i < mono.length; i++) {
            stereo[2 * i] = mono[i];
            stereo[2 * i + 1] = mono[i];
        }
        return stereo;
    }

    static byte[] pcm(short[] samples) {
        ByteBuffer bytes = ByteBuffer.allocate(samples.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asShortBuffer().put(samples);
        return bytes.array();
    }

    /** A WAV file of 16-bit PCM at 48 kHz; {@code interleaved} has {@code channels} samples per frame. */
    static byte[] wav(short[] interleaved, int channels) {
        return wav(interleaved, channels, 48_000);
    }

    static byte[] wav(short[] interleaved, int channels, int rate) {
        byte[] data = pcm(interleaved);
        ByteBuffer header = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(0x46464952).putInt(36 + data.length).putInt(0x45564157);
        header.putInt(0x20746d66).putInt(16).putShort((short) 1).putShort((short) channels).putInt(rate)
                .putInt(rate * channels * 2).putShort((short) (channels * 2)).putShort((short) 16);
        header.putInt(0x61746164).putInt(data.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header.array());
        out.writeBytes(data);
        return out.toByteArray();
    }

    private static byte[] wav44100() {
        return wav(new short[4410], 1, 44_100);
    }

    /** Opus in Ogg, encoded by the real ffmpeg. */
    static byte[] opus(short[] mono) throws Exception {
        Path in = Files.createTempFile("chunk", ".wav");
        Path out = Files.createTempFile("chunk", ".ogg");
        try {
            Files.write(in, wav(mono, 1));
            Process ffmpeg = new ProcessBuilder("ffmpeg", "-y", "-hide_banner", "-loglevel", "error", "-i",
                    in.toString(), "-c:a", "libopus", "-b:a", "64k", out.toString()).inheritIO().start();
            assertThat(ffmpeg.waitFor()).isZero();
            return Files.readAllBytes(out);
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
        }
    }
}
