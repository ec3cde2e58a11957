package dev.reprise.recording.rest;

import static dev.reprise.recording.rest.AudioCheck.millis;
import static dev.reprise.recording.rest.AudioCheck.millisSince;
import static dev.reprise.recording.rest.AudioCheck.samples;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.EventJson;
import dev.reprise.contracts.Topic;
import dev.reprise.contracts.recording.RecordingFinalized;
import dev.reprise.contracts.room.EndReason;
import dev.reprise.contracts.room.RetentionPolicy;
import dev.reprise.contracts.room.RoomCreated;
import dev.reprise.contracts.room.RoomEnded;
import dev.reprise.contracts.room.RoomSettings;
import dev.reprise.contracts.room.RoomStarted;
import dev.reprise.contracts.room.SpeakerAdded;
import dev.reprise.stack.LocalJwt;
import dev.reprise.stack.StackInfo;
import dev.reprise.stack.testing.SharedStack;
import dev.reprise.stack.testing.TopicTail;
import dev.reprise.stack.runtime.ChildJvm;
import dev.reprise.stack.runtime.ServiceJvm;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgBuilder;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * recording-service as it runs in production, two replicas of its packaged jar on one local stack, killed with
 * SIGKILL (no shutdown hook, its ffmpeg too) while audio comes in and while a recording is being built:
 * acknowledged audio survives, a build resumes on the other replica with the same result, and no recording is
 * built twice. Everything is checked on the decoded output files, against the input audio.
 */
class RecordingCrashIT {

    private static final int RATE = 48_000;
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Path MODULE = Path.of("").toAbsolutePath();

    private static StackInfo stack;
    private static Vertx vertx;
    private static Pool pool;
    private static AnnouncedRooms rooms;
    private static PrivateKey jwtKey;
    private static Path work;
    private static final Map<String, Replica> replicas = new LinkedHashMap<>();

    /** One replica: its name, port and journal volume outlive its processes. */
    private static final class Replica {
        final String name;
        final int port;
        final Path journal;
        final Path log;
        ChildJvm jvm;

        Replica(String name) throws Exception {
            this.name = name;
            try (ServerSocket socket = new ServerSocket(0)) {
                this.port = socket.getLocalPort();
            }
            this.journal = Files.createDirectories(work.resolve("journal-" + name));
            this.log = work.resolve(name + ".log");
        }

        void start() throws Exception {
            List<String> jvm = new ArrayList<>(List.of(ServiceJvm.DEFAULT_JVM_OPTIONS.split("\\s+")));
            jvm.addAll(List.of("-Dreprise.recording.mix.replica=" + name,
                    "-Dreprise.recording.ingest.journal-dir=" + journal,
                    // seconds, not the production half minute, so a test room spans many windows and segments
                    "-Dreprise.recording.ingest.segment-length=3s", "-Dreprise.recording.mix.window-length=3s",
                    // a killed replica's leases run out soon
                    "-Dreprise.recording.mix.lease=4s",
                    // one live stream per replica, so a second is refused
                    "-Dreprise.recording.ingest.max-streams=1",
                    "-Dquarkus.log.category.\"dev.reprise.recording.service.WindowMixer\".level=DEBUG"));
            this.jvm = ServiceJvm.start(stack, "recording-service", MODULE, port, jvm, log);
            awaitReady();
        }

        void kill() throws InterruptedException {
            jvm.kill();
        }

        /** Waits until the replica's Prometheus metric {@code name} reads {@code value}. */
        void awaitMetric(String name, double value) throws Exception {
            HttpClient http = HttpClient.newHttpClient();
            Pattern line = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*\\})? ([0-9.eE+-]+)$");
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                Matcher found = line.matcher(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body());
                if (found.find() && Double.parseDouble(found.group(1)) == value) {
                    return;
                }
                assertThat(System.nanoTime()).as("%s of replica %s reads %s", name, this.name, value)
                        .isLessThan(deadline);
                Thread.sleep(50);
            }
        }

        String logText() throws Exception {
            return Files.readString(log, StandardCharsets.UTF_8);
        }

        private void awaitReady() throws Exception {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                    .build();
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (System.nanoTime() < deadline) {
                assertThat(jvm.isAlive()).as("replica %s exited:%n%s", name, jvm.logTail(60)).isTrue();
                try {
                    if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return;
                    }
                } catch (java.io.IOException notYet) {
                    // not listening yet
                }
                Thread.sleep(200);
            }
            throw new AssertionError("replica " + name + " not ready:\n" + jvm.logTail(60));
        }
    }

    @BeforeAll
    static void startTwoReplicas() throws Exception {
        assertThat(ServiceJvm.quarkusRunJar(MODULE)).as("the packaged service (mvn verify builds it first)")
                .isRegularFile();
        stack = SharedStack.info();
        work = Files.createTempDirectory("recording-crash");
        for (String name : List.of("a", "b")) {
            Replica replica = new Replica(name);
            replicas.put(name, replica);
            replica.start();
        }
        vertx = Vertx.vertx();
        Map<String, String> config = stack.serviceConfig("recording-service");
        pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(config.get("quarkus.datasource.reactive.url"))
                .setUser(config.get("quarkus.datasource.username"))
                .setPassword(config.get("quarkus.datasource.password"))).using(vertx).build();
        rooms = new AnnouncedRooms(stack.kafkaBootstrapServers(), pool);
        jwtKey = LocalJwt.readPrivateKey(stack.jwtPrivateKey());
    }

    @AfterAll
    static void stopReplicas() {
        replicas.values().forEach(replica -> replica.jvm.stop(Duration.ofSeconds(20)));
        if (rooms != null) {
            rooms.close();
            pool.closeAndAwait();
            vertx.closeAndAwait();
        }
    }

    @Test
    void audioAcknowledgedBeforeAKillIsInTheRecordingAndAReconnectingStreamContinuesTheTrack() throws Exception {
        short[] avaFirst = AudioCheck.librivox("0870");
        short[] avaLast = AudioCheck.librivox("0930");
        short[] ben = AudioCheck.librivox("0890");
        Replica a = replicas.get("a");
        Replica b = replicas.get("b");
        // The room went live 20 s ago: ben's chunks are placed in its past, ava's stream from now on.
        Room room = announce(20_000, "ava", "ben");

        // ben's first four chunks go to replica a; the last is acknowledged just before a is killed.
        String benToken = ingestToken(a, room, "ben");
        for (int sequence = 0; sequence < 3; sequence++) {
            chunk(a, room, "ben", benToken, sequence, 2_000, ben);
        }
        // ava streams to replica a over LiveKit's framing; her first words end 1.5 s before the kill.
        long avaFirstAt;
        try (LiveKitEgress stream = LiveKitEgress.dial(vertx.getDelegate(), a.port, websocketPath(a, room, "ava"),
                2)) {
            avaFirstAt = millisSince(room.startedAt());
            stream.play(avaFirst);
            stream.play(LiveKitEgress.tone(660, 1_500, 0.2));
            chunk(a, room, "ben", benToken, 3, 2_000, ben);
            a.kill();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!stream.isClosed()) {
                assertThat(System.nanoTime()).as("the stream breaks with the replica").isLessThan(deadline);
                Thread.sleep(50);
            }
        }
        a.start();

        // ava's egress reconnects (to the other replica, as a load balancer may send it) and goes on; ben's last
        // chunks go to the restarted replica.
        long avaLastAt;
        try (LiveKitEgress stream = LiveKitEgress.dial(vertx.getDelegate(), b.port, websocketPath(b, room, "ava"),
                2)) {
            // A replica at its most live streams refuses one more (the media server tries another replica).
            stream.play(new short[RATE / 10]);
            b.awaitMetric("reprise_recording_streams_live", 1.0);
            // ava mutes meanwhile, so what she says next is placed by its arrival (LiveKit's mute, not a pause)
            stream.muted(true);
            try (LiveKitEgress refused = LiveKitEgress.dial(vertx.getDelegate(), b.port,
                    websocketPath(b, room, "ben"), 1)) {
                assertThat(refused.awaitClosedByServer()).isEqualTo((short) 4503);
                assertThat(refused.closeReason()).contains("live streams at most");
            }
            stream.muted(false);
            avaLastAt = millisSince(room.startedAt());
            stream.play(avaLast);
            stream.end();
        }
        String benTokenAgain = ingestToken(a, room, "ben");
        for (int sequence = 4; sequence * RATE < ben.length; sequence++) {
            chunk(a, room, "ben", benTokenAgain, sequence, 2_000, ben);
        }
        long roomMillis = millisSince(room.startedAt()) + 500;
        Thread.sleep(500);

        RecordingFinalized finalized = endAndAwaitFinalized(room, roomMillis);
        assertThat(finalized.durationMs()).isEqualTo(roomMillis);
        Path dir = Files.createTempDirectory(work, "ingest");
        short[] mix = AudioCheck.decode(download(b, room, "recording.opus", dir));
        short[] benTrack = AudioCheck.decode(download(b, room, "tracks/ben.opus", dir));
        short[] avaTrack = AudioCheck.decode(download(b, room, "tracks/ava.opus", dir));
        assertThat(mix.length / (double) RATE).isCloseTo(roomMillis / 1000.0, within(0.020));
        // Every chunk acknowledged, the last one just before the kill: all of ben, exactly at his offset.
        for (short[] output : List.of(mix, benTrack)) {
            AudioCheck.Match match = AudioCheck.find(output, ben, samples(2_000), RATE / 2);
            assertThat(match.correlation()).as("ben's speech, all of it").isGreaterThan(0.8);
            assertThat(millis(match.offset())).isCloseTo(2_000L, within(20L));
        }
        // ava's stream: what arrived before the kill, and what the reconnected stream brought, where it arrived.
        for (short[] output : List.of(mix, avaTrack)) {
            AudioCheck.Match first = AudioCheck.find(output, avaFirst, samples(avaFirstAt), RATE);
            assertThat(first.correlation()).as("ava's words streamed before the kill").isGreaterThan(0.8);
            assertThat(millis(first.offset())).isCloseTo(avaFirstAt, within(100L));
            AudioCheck.Match last = AudioCheck.find(output, avaLast, samples(avaLastAt), RATE);
            assertThat(last.correlation()).as("ava's words after the reconnect").isGreaterThan(0.8);
            assertThat(millis(last.offset())).isCloseTo(avaLastAt, within(100L));
        }
        assertThat(a.logText()).contains("journal(s) left by the previous run");
    }

    @Test
    void aBuildKilledHalfwayResumesOnTheOtherReplicaWithTheSameResultAndNoRecordingIsBuiltTwice() throws Exception {
        short[] ava = AudioCheck.librivox("0870");
        short[] ben = AudioCheck.librivox("0890");
        short[] tone = LiveKitEgress.tone(440, 1_000, 0.3);
        long roomMillis = 90_000;

        // The same room twice. The first is built with both replicas running and nothing killed.
        Room reference = announce(roomMillis + 10_000, "ava", "ben");
        feed(reference, ava, ben, tone);
        RecordingFinalized expected = endAndAwaitFinalized(reference, roomMillis);
        Map<String, Integer> mixes = windowsMixed(reference.recordingId());
        assertThat(mixes).as("windows mixed").isNotEmpty()
                .allSatisfy((window, times) -> assertThat(times).as("times window %s was mixed", window).isOne());
        assertThat(occurrences("Recording " + reference.recordingId() + " finished")).isOne();

        // The second: whichever replica holds it is killed while it mixes the windows nobody spoke in.
        Room crashed = announce(roomMillis + 10_000, "ava", "ben");
        feed(crashed, ava, ben, tone);
        Replica killed;
        try (TopicTail recordingTopic = TopicTail.fromEnd(stack.kafkaBootstrapServers(),
                Topic.RECORDING.topicName())) {
            end(crashed, roomMillis);
            Row building = rooms.awaitRow("""
                    SELECT lease_owner FROM recording WHERE room_id = $1 AND status = 'PROCESSING'
                       AND processing_step = 'MIXING' AND lease_owner IS NOT NULL""", crashed.id());
            killed = replicas.get(building.getString("lease_owner").substring(0, 1));
            killed.kill();
            assertThat(rooms.count("SELECT count(*) FROM recording WHERE room_id = $1 AND status = 'READY'",
                    crashed.id())).as("killed before it was ready").isZero();
            killed.start();
            List<ConsumerRecord<String, byte[]>> records = recordingTopic.awaitRecords(
                    record -> record.key().equals(crashed.id().toString()), 1, WAIT);
            RecordingFinalized resumed = EventJson.read(records.get(0).value(), EventCatalog.RECORDING_FINALIZED);
            assertThat(recordingTopic.recordsWithin(record -> record.key().equals(crashed.id().toString()),
                    Duration.ofSeconds(3))).as("one event").hasSize(1);

            assertThat(resumed.durationMs()).isEqualTo(expected.durationMs());
            assertThat(resumed.loudnessLufs()).isEqualTo(expected.loudnessLufs());
            assertThat(resumed.speakers()).isEqualTo(expected.speakers());
        }
        Replica other = replicas.get(killed.name.equals("a") ? "b" : "a");
        Path dir = Files.createTempDirectory(work, "build");
        for (String file : List.of("recording.mp3", "recording.opus", "tracks/ava.opus", "tracks/ben.opus")) {
            short[] want = AudioCheck.decode(download(other, reference, file, Files.createTempDirectory(dir, "r")));
            short[] got = AudioCheck.decode(download(other, crashed, file, Files.createTempDirectory(dir, "c")));
            assertThat(firstDifference(got, want)).as("%s after the kill, sample for sample (%d and %d samples)", file,
                    got.length, want.length).isEqualTo(-1);
        }
        // Where the input went: ben at 9 s, by correlation with what he said.
        short[] mix = AudioCheck.decode(download(other, crashed, "recording.mp3", dir));
        AudioCheck.Match match = AudioCheck.find(mix, ben, samples(9_000), RATE / 2);
        assertThat(match.correlation()).isGreaterThan(0.8);
        assertThat(millis(match.offset())).isCloseTo(9_000L, within(20L));
        // Nothing the killed attempt wrote is left: every object of the recording is a file, piece or segment.
        List<String> kept = new ArrayList<>();
        pool.preparedQuery("""
                SELECT object_key FROM recording_file WHERE recording_id = $1
                UNION SELECT piece_key FROM mix_window WHERE recording_id = $1 AND piece_key IS NOT NULL
                UNION SELECT s.object_key FROM track_segment s JOIN track t ON t.id = s.track_id
                           WHERE t.recording_id = $1""").execute(Tuple.of(crashed.recordingId())).await()
                .atMost(WAIT).forEach(row -> kept.add(row.getString(0)));
        assertThat(objectKeys(crashed.recordingId())).containsExactlyInAnyOrderElementsOf(kept);
    }

    /** ava (WAV chunks, to replica a) from 1 s and again at 60 s; ben (to replica b) from 9 s. */
    private void feed(Room room, short[] ava, short[] ben, short[] tone) throws Exception {
        Replica a = replicas.get("a");
        Replica b = replicas.get("b");
        String avaToken = ingestToken(a, room, "ava");
        for (int sequence = 0; sequence * RATE < ava.length; sequence++) {
            chunk(a, room, "ava", avaToken, sequence, 1_000, ava);
        }
        given().port(a.port).queryParam("token", avaToken).queryParam("offsetMs", 60_000).contentType("audio/wav")
                .body(ChunkIngestTest.wav(tone, 1))
                .put("/recordings/ingest/rooms/{room}/speakers/{speaker}/chunks/{sequence}", room.id(), "ava", 100)
                .then().statusCode(201);
        String benToken = ingestToken(b, room, "ben");
        for (int sequence = 0; sequence * RATE < ben.length; sequence++) {
            chunk(b, room, "ben", benToken, sequence, 9_000, ben);
        }
    }

    private record Room(UUID id, String host, UUID recordingId, Instant startedAt) {
    }

    /** A room live since {@code agoMillis} with these speakers agreeing to be recorded, as room-service says. */
    private static Room announce(long agoMillis, String... speakers) {
        UUID roomId = UUID.randomUUID();
        String host = "host-" + roomId.toString().substring(0, 8);
        Instant startedAt = Instant.now().minusMillis(agoMillis).truncatedTo(ChronoUnit.MILLIS);
        RoomSettings settings = new RoomSettings(true, false, true, RetentionPolicy.SAVED);
        rooms.send(EventCatalog.ROOM_CREATED, roomId, new RoomCreated(roomId, host, "Crash", settings, startedAt));
        rooms.send(EventCatalog.ROOM_STARTED, roomId, new RoomStarted(roomId, host, settings, startedAt));
        for (String speaker : speakers) {
            rooms.send(EventCatalog.SPEAKER_ADDED, roomId, new SpeakerAdded(roomId, speaker, true, startedAt));
        }
        rooms.awaitCount("SELECT count(*) FROM speaker_consent WHERE room_id = $1", roomId, speakers.length + 1);
        UUID recordingId = rooms.awaitRow("SELECT id FROM recording WHERE room_id = $1", roomId).getUUID("id");
        return new Room(roomId, host, recordingId, startedAt);
    }

    private static void end(Room room, long roomMillis) {
        rooms.send(EventCatalog.ROOM_ENDED, room.id(), new RoomEnded(room.id(), room.host(), EndReason.HOST_ENDED,
                RetentionPolicy.SAVED, room.startedAt(), room.startedAt().plusMillis(roomMillis)));
    }

    private static RecordingFinalized endAndAwaitFinalized(Room room, long roomMillis) {
        try (TopicTail recordingTopic = TopicTail.fromEnd(stack.kafkaBootstrapServers(),
                Topic.RECORDING.topicName())) {
            end(room, roomMillis);
            List<ConsumerRecord<String, byte[]>> records = recordingTopic.awaitRecords(
                    record -> record.key().equals(room.id().toString()), 1, WAIT);
            assertThat(recordingTopic.recordsWithin(record -> record.key().equals(room.id().toString()),
                    Duration.ofSeconds(3))).as("one event").hasSize(1);
            return EventJson.read(records.get(0).value(), EventCatalog.RECORDING_FINALIZED);
        }
    }

    /** How often each (window, input version) of the recording was mixed, by both replicas' logs together. */
    private static Map<String, Integer> windowsMixed(UUID recordingId) throws Exception {
        Pattern mixed = Pattern.compile("Mixed window (\\d+) \\(input version (\\d+), (\\d+) samples\\) of recording "
                + recordingId);
        Map<String, Integer> counts = new HashMap<>();
        for (Replica replica : replicas.values()) {
            Matcher matcher = mixed.matcher(replica.logText());
            while (matcher.find()) {
                counts.merge(matcher.group(1) + "@" + matcher.group(2) + "/" + matcher.group(3), 1, Integer::sum);
            }
        }
        return counts;
    }

    private static int occurrences(String text) throws Exception {
        int count = 0;
        for (Replica replica : replicas.values()) {
            count += replica.logText().split(Pattern.quote(text), -1).length - 1;
        }
        return count;
    }

    private static String hostToken(Room room) {
        return LocalJwt.mint(jwtKey, LocalJwt.ISSUER, room.host(), LocalJwt.userGroups());
    }

    private static String ingestToken(Replica replica, Room room, String speaker) {
        return ingestTokenField(replica, room, speaker, "token");
    }

    private static String websocketPath(Replica replica, Room room, String speaker) {
        return ingestTokenField(replica, room, speaker, "websocketPath");
    }

    /** A field of the ingest token the room's host gets from {@code replica} for {@code speaker}. */
    private static String ingestTokenField(Replica replica, Room room, String speaker, String field) {
        return given().port(replica.port).auth().oauth2(hostToken(room)).contentType("application/json")
                .body(Map.of("speakerId", speaker)).post("/recordings/rooms/{id}/ingest-tokens", room.id()).then()
                .statusCode(201).extract().path(field);
    }

    /** Chunk {@code sequence} (second {@code sequence} of {@code audio}) placed from {@code startMs}: 201. */
    private static void chunk(Replica replica, Room room, String speaker, String token, int sequence, long startMs,
            short[] audio) {
        short[] part = Arrays.copyOfRange(audio, sequence * RATE, Math.min(audio.length, (sequence + 1) * RATE));
        given().port(replica.port).queryParam("token", token).queryParam("offsetMs", startMs + sequence * 1000L)
                .contentType("audio/wav").body(ChunkIngestTest.wav(part, 1))
                .put("/recordings/ingest/rooms/{room}/speakers/{speaker}/chunks/{sequence}", room.id(), speaker,
                        sequence).then().statusCode(201);
    }

    private static Path download(Replica replica, Room room, String file, Path dir) throws Exception {
        String url = given().port(replica.port).auth().oauth2(hostToken(room)).queryParam("file", file)
                .get("/recordings/{id}/download", room.recordingId()).then().statusCode(200).extract().path("url");
        HttpResponse<byte[]> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        return AudioCheck.write(dir, file.replace('/', '-'), response.body());
    }

    private static List<String> objectKeys(UUID recordingId) throws Exception {
        MinioClient s3 = MinioClient.builder().endpoint(stack.s3Endpoint())
                .credentials(stack.s3AccessKey(), stack.s3SecretKey()).region(StackInfo.S3_REGION).build();
        String bucket = stack.serviceConfig("recording-service").getOrDefault("reprise.s3.bucket",
                "reprise-recording");
        List<String> keys = new ArrayList<>();
        for (var item : s3.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix("recordings/" + recordingId
                + "/").recursive(true).build())) {
            keys.add(item.get().objectName());
        }
        return keys;
    }

    /** The first index where the two differ (or the shorter's length), -1 if they are equal. */
    private static int firstDifference(short[] a, short[] b) {
        return Arrays.mismatch(a, b);
    }
}
