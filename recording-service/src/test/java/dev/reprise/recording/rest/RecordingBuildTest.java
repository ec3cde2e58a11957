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
import dev.reprise.contracts.recording.KeptRange;
import dev.reprise.contracts.recording.RecordingEdited;
import dev.reprise.contracts.recording.RecordingFinalized;
import dev.reprise.contracts.recording.SpeakerTimeline;
import dev.reprise.contracts.recording.VoiceInterval;
import dev.reprise.contracts.room.EndReason;
import dev.reprise.contracts.room.RetentionPolicy;
import dev.reprise.contracts.room.RoomEnded;
import dev.reprise.contracts.room.SpeakerAdded;
import dev.reprise.contracts.room.SpeakerConsentChanged;
import dev.reprise.recording.service.IngestTokens;
import dev.reprise.stack.testing.LocalStackTestResource;
import dev.reprise.stack.testing.TestTokens;
import dev.reprise.stack.testing.TopicTail;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A three-speaker room recorded end to end on the real stack with real speech (LibriVox, from Debian's
 * pocketsphinx-testdata) and tones: one speaker through LiveKit's WebSocket framing (stereo, a mute, a reconnect),
 * two through chunk uploads (WAV with a reordered, a retried and a missing chunk; Ogg/Opus), and one speaker who
 * did not agree to be recorded. The finished files are decoded by ffmpeg and checked against the inputs: length,
 * where each speaker's audio sits (cross-correlation), loudness, the speaker timeline; not our own metadata.
 */
@QuarkusTest
@WithTestResource(value = LocalStackTestResource.class,
        initArgs = @ResourceArg(name = "service", value = "recording-service"))
class RecordingBuildTest {

    private static final Logger LOG = Logger.getLogger(RecordingBuildTest.class);
    private static final int RATE = 48_000;
    private static final int GAP_CHUNK = 4;

    @Inject
    Pool pool;

    @Inject
    IngestTokens tokens;

    @Inject
    Vertx vertx;

    @Inject
    dev.reprise.storage.ObjectStorage storage;

    @TestHTTPResource("/")
    URL base;

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
    void aRoomFedThroughBothIngestPathsBecomesARecordingWhereEverySpeakerIsInPlace() throws Exception {
        short[] avaFirst = AudioCheck.librivox("0880");
        short[] avaTone = LiveKitEgress.tone(440, 800, 0.3);
        short[] avaSecond = AudioCheck.librivox("0930");
        short[] ben = AudioCheck.librivox("0890");
        short[] cleo = LiveKitEgress.tone(1000, 1000, 0.25);

        AnnouncedRooms.Room room = rooms.live("ava", true);
        Instant zero = room.startedAt();
        for (String speaker : List.of("ben", "cleo")) {
            rooms.send(EventCatalog.SPEAKER_ADDED, room.id(), new SpeakerAdded(room.id(), speaker, true, zero));
        }
        rooms.send(EventCatalog.SPEAKER_ADDED, room.id(), new SpeakerAdded(room.id(), "dov", false, zero));
        rooms.awaitCount("SELECT count(*) FROM speaker_consent WHERE room_id = $1", room.id(), 5);

        // ava, live over LiveKit's WebSocket framing (stereo): speech, a mute, a tone, a reconnect, more speech.
        long[] avaAt = new long[3];
        try (LiveKitEgress stream = dial(room, "ava", 2)) {
            avaAt[0] = millisSince(zero);
            stream.play(avaFirst);
            stream.muted(true);
            stream.pause(1000);
            stream.muted(false);
            avaAt[1] = millisSince(zero);
            stream.play(avaTone);
            stream.end();
        }
        try (LiveKitEgress stream = dial(room, "ava", 2)) {
            avaAt[2] = millisSince(zero);
            stream.play(avaSecond);
            stream.end();
        }

        // Nobody talks over anybody, so each speaker's audio can be found alone in the mix: the uploads of ben and
        // cleo are placed after ava's last words (chunks may come in any time; their offsets place them).
        long benOffset = (millisSince(zero) / 100 + 5) * 100;
        long cleoOffset = benOffset + 5_700;
        long roomMillis = cleoOffset + 2_000;

        // ben, in 1 s WAV chunks placed by offset: the third before the second, the second retried, the fifth lost.
        String benToken = tokens.issue(room.id(), "ben").token();
        int chunk = RATE;
        int chunks = (ben.length + chunk - 1) / chunk;
        for (int sequence : new int[] { 0, 2, 1, 1, 3, 5 }) {
            if (sequence >= chunks) {
                continue;
            }
            short[] part = Arrays.copyOfRange(ben, sequence * chunk, Math.min(ben.length, (sequence + 1) * chunk));
            chunk(room, "ben", benToken, sequence, benOffset + sequence * 1000L, "audio/wav",
                    ChunkIngestTest.wav(part, 1), sequence == 1 ? -1 : 201);
        }
        // cleo, one Ogg/Opus chunk of a tone.
        chunk(room, "cleo", tokens.issue(room.id(), "cleo").token(), 0, cleoOffset, "audio/ogg",
                ChunkIngestTest.opus(cleo), 201);
        // dov said no: refused, and nothing of theirs is kept anywhere.
        chunk(room, "dov", tokens.issue(room.id(), "dov").token(), 0, 1000, "audio/wav",
                ChunkIngestTest.wav(cleo, 1), 403);

        long wait = roomMillis - millisSince(zero);
        if (wait > 0) {
            Thread.sleep(wait);
        }
        Instant endedAt = zero.plusMillis(roomMillis);
        RecordingFinalized finalized;
        try (TopicTail recordingTopic = TopicTail.fromEnd(bootstrapServers, Topic.RECORDING.topicName())) {
            UUID endEvent = UUID.randomUUID();
            RoomEnded ended = new RoomEnded(room.id(), room.host(), EndReason.HOST_ENDED, RetentionPolicy.SAVED,
                    zero, endedAt);
            long sentAt = System.nanoTime();
            rooms.send(EventCatalog.ROOM_ENDED, room.id(), ended, endEvent);
            List<ConsumerRecord<String, byte[]>> records = recordingTopic.awaitRecords(
                    record -> record.key().equals(room.id().toString()), 1, Duration.ofSeconds(90));
            LOG.infof("room ended -> recording finalized: %d ms", (System.nanoTime() - sentAt) / 1_000_000);
            finalized = EventJson.read(records.get(0).value(), EventCatalog.RECORDING_FINALIZED);

            // The same end delivered again, and another end of the same room: no second recording event.
            rooms.send(EventCatalog.ROOM_ENDED, room.id(), ended, endEvent);
            rooms.send(EventCatalog.ROOM_ENDED, room.id(), ended);
            assertThat(recordingTopic.recordsWithin(record -> record.key().equals(room.id().toString()),
                    Duration.ofSeconds(4))).hasSize(1);
        }
        assertThat(finalized.recordingId()).isEqualTo(room.recordingId());
        assertThat(finalized.version()).isEqualTo(1);
        assertThat(finalized.durationMs()).isEqualTo(roomMillis);
        assertThat(finalized.speakers()).extracting(SpeakerTimeline::speakerId)
                .containsExactly("ava", "ben", "cleo");
        assertThat(rooms.count("SELECT count(*) FROM track t JOIN recording r ON r.id = t.recording_id"
                + " WHERE r.room_id = $1 AND t.speaker_id = 'dov'", room.id())).isZero();

        Path dir = Files.createTempDirectory("recording-build");
        short[] opus = AudioCheck.decode(download(room, "recording.opus", dir));
        short[] mp3 = AudioCheck.decode(download(room, "recording.mp3", dir));
        short[] benTrack = AudioCheck.decode(download(room, "tracks/ben.opus", dir));

        // Length: the room's, to the millisecond for Opus (granule), within a frame's rounding for MP3.
        assertThat(opus.length / (double) RATE).isCloseTo(roomMillis / 1000.0, within(0.020));
        assertThat(mp3.length / (double) RATE).isCloseTo(roomMillis / 1000.0, within(0.020));
        // Loudness of what a listener gets, by ffmpeg's EBU R128 meter.
        assertThat(AudioCheck.loudness(dir.resolve("recording.opus"))).isCloseTo(-16, within(1.0));
        assertThat(AudioCheck.loudness(dir.resolve("recording.mp3"))).isCloseTo(-16, within(1.0));

        // Each speaker's audio where it was said: chunks exactly at their offsets, live audio by arrival.
        short[] benHeard = ben.clone();
        Arrays.fill(benHeard, GAP_CHUNK * chunk, Math.min(ben.length, (GAP_CHUNK + 1) * chunk), (short) 0);
        for (short[] mix : List.of(opus, mp3, benTrack)) {
            AudioCheck.Match match = AudioCheck.find(mix, benHeard, samples(benOffset), RATE / 2);
            assertThat(match.correlation()).as("ben's speech in the output").isGreaterThan(0.8);
            assertThat(millis(match.offset())).as("ben's position").isCloseTo(benOffset, within(20L));
        }
        AudioCheck.Match cleoMatch = AudioCheck.find(opus, cleo, samples(cleoOffset), RATE / 2);
        assertThat(millis(cleoMatch.offset())).isCloseTo(cleoOffset, within(20L));
        short[][] avaParts = { avaFirst, avaTone, avaSecond };
        for (int part = 0; part < 3; part++) {
            AudioCheck.Match match = AudioCheck.find(opus, avaParts[part], samples(avaAt[part]), RATE);
            assertThat(match.correlation()).as("ava's part %d", part).isGreaterThan(0.8);
            assertThat(millis(match.offset())).as("ava's part %d", part).isCloseTo(avaAt[part], within(100L));
        }
        // ben's own track holds nobody else: where ava spoke it is silent.
        assertThat(AudioCheck.levelDbfs(benTrack, (int) samples(avaAt[0]), (int) samples(avaAt[2] + 3000)))
                .isLessThan(-70);

        // The speaker timeline places each speaker's speech within 100 ms.
        Map<String, List<VoiceInterval>> timeline = finalized.speakers().stream()
                .collect(Collectors.toMap(SpeakerTimeline::speakerId, SpeakerTimeline::intervals));
        long[] benVoiced = AudioCheck.voiced(benHeard, -45);
        List<VoiceInterval> benIntervals = timeline.get("ben");
        assertThat(benIntervals.get(0).startMs()).isCloseTo(benOffset + millis(benVoiced[0]), within(100L));
        assertThat(benIntervals.get(benIntervals.size() - 1).endMs())
                .isCloseTo(benOffset + millis(benVoiced[1]), within(100L));
        long gapStart = benOffset + GAP_CHUNK * 1000L;
        assertThat(benIntervals).as("the lost chunk is a hole in ben's voice").noneMatch(interval ->
                interval.startMs() < gapStart + 100 && interval.endMs() > gapStart + 900);
        long[] avaVoiced = AudioCheck.voiced(avaFirst, -45);
        assertThat(timeline.get("ava").get(0).startMs()).isCloseTo(avaAt[0] + millis(avaVoiced[0]), within(100L));
        assertThat(timeline.get("cleo")).singleElement().satisfies(interval -> {
            assertThat(interval.startMs()).isCloseTo(cleoOffset, within(100L));
            assertThat(interval.endMs()).isCloseTo(cleoOffset + 1000, within(100L));
        });
    }

    @Test
    void aWithdrawalThatArrivesAfterTheRecordingIsReadyMakesANewVersionWithoutTheVoice() throws Exception {
        short[] ben = AudioCheck.librivox("0880");
        short[] avaTone = LiveKitEgress.tone(440, 1000, 0.3);
        AnnouncedRooms.Room room = rooms.live("ava", true);
        Instant zero = room.startedAt();
        rooms.send(EventCatalog.SPEAKER_ADDED, room.id(), new SpeakerAdded(room.id(), "ben", true, zero));
        rooms.awaitCount("SELECT count(*) FROM speaker_consent WHERE room_id = $1", room.id(), 3);
        chunk(room, "ava", tokens.issue(room.id(), "ava").token(), 0, 500, "audio/wav",
                ChunkIngestTest.wav(avaTone, 1), 201);
        chunk(room, "ben", tokens.issue(room.id(), "ben").token(), 0, 2_000, "audio/wav",
                ChunkIngestTest.wav(ben, 1), 201);
        long roomMillis = 6_000;
        Thread.sleep(Math.max(0, roomMillis - millisSince(zero)));
        rooms.send(EventCatalog.ROOM_ENDED, room.id(), new RoomEnded(room.id(), room.host(), EndReason.HOST_ENDED,
                RetentionPolicy.SAVED, zero, zero.plusMillis(roomMillis)));
        rooms.awaitCount("SELECT count(*) FROM recording WHERE room_id = $1 AND status = 'READY'", room.id(), 1);
        Path dir = Files.createTempDirectory("recording-withdrawal");
        short[] before = AudioCheck.decode(download(room, "recording.opus", dir));
        assertThat(AudioCheck.find(before, ben, samples(2_000), RATE / 10).correlation()).isGreaterThan(0.8);
        List<String> firstVersion = objectKeys(room);

        try (TopicTail recordingTopic = TopicTail.fromEnd(bootstrapServers, Topic.RECORDING.topicName())) {
            // ben said no at 1.5 s into the room; the event reaches this service only now, after the end.
            rooms.send(EventCatalog.SPEAKER_CONSENT_CHANGED, room.id(), new SpeakerConsentChanged(room.id(), "ben",
                    false, zero.plusMillis(1_500)));
            List<ConsumerRecord<String, byte[]>> records = recordingTopic.awaitRecords(
                    record -> record.key().equals(room.id().toString()), 1, Duration.ofSeconds(90));
            RecordingEdited edited = EventJson.read(records.get(0).value(), EventCatalog.RECORDING_EDITED);
            assertThat(edited.version()).isEqualTo(2);
            assertThat(edited.sourceVersion()).isEqualTo(1);
            assertThat(edited.speakers()).filteredOn(speaker -> speaker.speakerId().equals("ben"))
                    .singleElement().satisfies(speaker -> assertThat(speaker.intervals()).isEmpty());
        }
        short[] after = AudioCheck.decode(download(room, "recording.opus", dir));
        short[] benTrack = AudioCheck.decode(download(room, "tracks/ben.opus", dir));
        // ben's voice is nowhere in the new version, checked on the audio; ava's tone is where it was.
        assertThat(AudioCheck.levelDbfs(after, (int) samples(2_000), (int) samples(2_000) + ben.length))
                .isLessThan(-60);
        assertThat(AudioCheck.levelDbfs(benTrack, 0, benTrack.length)).isLessThan(-60);
        AudioCheck.Match tone = AudioCheck.find(after, avaTone, samples(500), RATE / 10);
        assertThat(millis(tone.offset())).isCloseTo(500L, within(20L));
        // The first version's files are gone from object storage.
        List<String> remaining = objectKeys(room);
        assertThat(firstVersion.stream().filter(key -> key.contains("/v1-")).toList()).isNotEmpty()
                .noneMatch(remaining::contains);
    }

    @Test
    void anEditTrimsAndCutsIntoANewVersionAndTheOriginalStays() throws Exception {
        short[] avaTone = LiveKitEgress.tone(440, 1000, 0.3);
        short[] ben = AudioCheck.librivox("0880");
        AnnouncedRooms.Room room = rooms.live("ava", true);
        Instant zero = room.startedAt();
        rooms.send(EventCatalog.SPEAKER_ADDED, room.id(), new SpeakerAdded(room.id(), "ben", true, zero));
        rooms.awaitCount("SELECT count(*) FROM speaker_consent WHERE room_id = $1", room.id(), 3);
        chunk(room, "ava", tokens.issue(room.id(), "ava").token(), 0, 1_000, "audio/wav",
                ChunkIngestTest.wav(avaTone, 1), 201);
        chunk(room, "ben", tokens.issue(room.id(), "ben").token(), 0, 3_000, "audio/wav",
                ChunkIngestTest.wav(ben, 1), 201);
        long roomMillis = 7_000;
        Thread.sleep(Math.max(0, roomMillis - millisSince(zero)));
        rooms.send(EventCatalog.ROOM_ENDED, room.id(), new RoomEnded(room.id(), room.host(), EndReason.HOST_ENDED,
                RetentionPolicy.SAVED, zero, zero.plusMillis(roomMillis)));
        rooms.awaitCount("SELECT count(*) FROM recording WHERE room_id = $1 AND status = 'READY'", room.id(), 1);
        List<String> firstVersion = objectKeys(room);
        String host = TestTokens.forUser(room.host());

        // Edits that make no sense, or by someone else, are refused.
        for (Map<String, Object> wrong : List.<Map<String, Object>>of(Map.of("trimStartMs", 5_000, "trimEndMs", 4_000),
                Map.of("cuts", List.of(Map.of("startMs", 6_000, "endMs", 9_000))),
                Map.of("trimStartMs", 3_000, "trimEndMs", 3_500))) {
            given().auth().oauth2(host).contentType("application/json").body(wrong)
                    .post("/recordings/{id}/edits", room.recordingId()).then().statusCode(400)
                    .body("type", org.hamcrest.Matchers.equalTo("urn:reprise:problem:invalid-edit"));
        }
        given().auth().oauth2(TestTokens.forUser("listener-1")).contentType("application/json")
                .body(Map.of("trimStartMs", 500)).post("/recordings/{id}/edits", room.recordingId()).then()
                .statusCode(403);

        // Trim to [0.5 s, 6.5 s) and cut [1.8 s, 2.6 s): ava's tone moves 0.5 s earlier, ben's speech 1.3 s.
        RecordingEdited edited;
        try (TopicTail recordingTopic = TopicTail.fromEnd(bootstrapServers, Topic.RECORDING.topicName())) {
            String location = given().auth().oauth2(host).contentType("application/json")
                    .body(Map.of("trimStartMs", 500, "trimEndMs", 6_500,
                            "cuts", List.of(Map.of("startMs", 1_800, "endMs", 2_600))))
                    .post("/recordings/{id}/edits", room.recordingId()).then().statusCode(202)
                    .extract().header("Location");
            List<ConsumerRecord<String, byte[]>> records = recordingTopic.awaitRecords(
                    record -> record.key().equals(room.id().toString()), 1, Duration.ofSeconds(60));
            edited = EventJson.read(records.get(0).value(), EventCatalog.RECORDING_EDITED);
            given().auth().oauth2(host).get(location).then().statusCode(200)
                    .body("status", org.hamcrest.Matchers.equalTo("DONE")).body("resultVersion",
                            org.hamcrest.Matchers.equalTo(2));
        }
        assertThat(edited.version()).isEqualTo(2);
        assertThat(edited.keptRanges()).containsExactly(new KeptRange(500, 1_800, 0),
                new KeptRange(2_600, 6_500, 1_300));
        assertThat(edited.durationMs()).isEqualTo(5_200);

        Path dir = Files.createTempDirectory("recording-edit");
        short[] opus = AudioCheck.decode(download(room, "recording.opus", dir));
        short[] mp3 = AudioCheck.decode(download(room, "recording.mp3", dir));
        assertThat(opus.length / (double) RATE).isCloseTo(5.2, within(0.020));
        assertThat(mp3.length / (double) RATE).isCloseTo(5.2, within(0.030));
        assertThat(AudioCheck.loudness(dir.resolve("recording.opus"))).isCloseTo(-16, within(1.0));
        for (short[] mix : List.of(opus, mp3)) {
            // A pure tone correlates alike at every period, so its place is checked by level: there from 0.5 s
            // on, silence before; ben's speech (no period) is placed by correlation.
            assertThat(AudioCheck.levelDbfs(mix, 0, (int) samples(450))).isLessThan(-60);
            assertThat(AudioCheck.levelDbfs(mix, (int) samples(550), (int) samples(1_450))).isGreaterThan(-25);
            AudioCheck.Match benMatch = AudioCheck.find(mix, ben, samples(1_700), RATE / 4);
            assertThat(benMatch.correlation()).isGreaterThan(0.8);
            assertThat(millis(benMatch.offset())).isCloseTo(1_700L, within(20L));
        }
        long[] benVoiced = AudioCheck.voiced(ben, -45);
        assertThat(edited.speakers()).filteredOn(speaker -> speaker.speakerId().equals("ben")).singleElement()
                .satisfies(speaker -> assertThat(speaker.intervals().get(0).startMs())
                        .isCloseTo(1_700 + millis(benVoiced[0]), within(100L)));
        // The original stays, as retention requires, until the recording is deleted.
        assertThat(objectKeys(room)).containsAll(firstVersion);
    }

    @Test
    void whatAnEarlierVersionLeftIsSweptOnceTheStoreLetsIt() throws Exception {
        AnnouncedRooms.Room room = rooms.live("ava", true);
        Instant zero = room.startedAt();
        chunk(room, "ava", tokens.issue(room.id(), "ava").token(), 0, 500, "audio/wav",
                ChunkIngestTest.wav(LiveKitEgress.tone(440, 1000, 0.3), 1), 201);
        long roomMillis = 3_000;
        Thread.sleep(Math.max(0, roomMillis - millisSince(zero)));
        rooms.send(EventCatalog.ROOM_ENDED, room.id(), new RoomEnded(room.id(), room.host(), EndReason.HOST_ENDED,
                RetentionPolicy.SAVED, zero, zero.plusMillis(roomMillis)));
        rooms.awaitCount("SELECT count(*) FROM recording WHERE room_id = $1 AND status = 'READY'"
                + " AND NOT sweep_needed", room.id(), 1);
        List<String> ready = objectKeys(room);

        // What an earlier version would leave if the store had failed the sweep after it: a file of version 0 and
        // a superseded piece, and the recording marked as still to be swept.
        String base = "recordings/" + room.recordingId() + "/";
        for (String leftover : List.of(base + "v0-dead0000/recording.opus", base + "windows/0-0-144000.piece")) {
            byte[] bytes = "withdrawn voice".getBytes(StandardCharsets.UTF_8);
            storage.client().putObject(io.minio.PutObjectArgs.builder().bucket(storage.bucket()).object(leftover)
                    .stream(new java.io.ByteArrayInputStream(bytes), bytes.length, -1).build());
        }
        Thread.sleep(2_500); // older than the sweep's margin for objects written during an attempt
        pool.preparedQuery("UPDATE recording SET sweep_needed = true WHERE id = $1")
                .execute(Tuple.of(room.recordingId())).await().indefinitely();

        rooms.awaitCount("SELECT count(*) FROM recording WHERE room_id = $1 AND status = 'READY'"
                + " AND NOT sweep_needed", room.id(), 1);
        assertThat(objectKeys(room)).containsExactlyInAnyOrderElementsOf(ready);
    }

    private List<String> objectKeys(AnnouncedRooms.Room room) {
        List<String> keys = new java.util.ArrayList<>();
        for (var item : storage.client().listObjects(io.minio.ListObjectsArgs.builder().bucket(storage.bucket())
                .prefix("recordings/" + room.recordingId() + "/").recursive(true).build())) {
            try {
                keys.add(item.get().objectName());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        return keys;
    }

    private LiveKitEgress dial(AnnouncedRooms.Room room, String speaker, int channels) throws Exception {
        String path = given().auth().oauth2(TestTokens.forUser(room.host())).contentType("application/json")
                .body(Map.of("speakerId", speaker))
                .post("/recordings/rooms/{id}/ingest-tokens", room.id()).then().statusCode(201)
                .extract().path("websocketPath");
        return LiveKitEgress.dial(vertx.getDelegate(), base.getPort(), path, channels);
    }

    private static void chunk(AnnouncedRooms.Room room, String speaker, String token, long sequence, long offset,
            String contentType, byte[] body, int status) {
        var response = given().queryParam("token", token).queryParam("offsetMs", offset).contentType(contentType)
                .body(body).put("/recordings/ingest/rooms/{room}/speakers/{speaker}/chunks/{sequence}", room.id(),
                        speaker, sequence).then();
        if (status > 0) {
            response.statusCode(status);
        }
    }

    /** A file of the recording as its host downloads it: the API's short-lived link, fetched over HTTP. */
    private Path download(AnnouncedRooms.Room room, String file, Path dir) throws Exception {
        String url = given().auth().oauth2(TestTokens.forUser(room.host())).queryParam("file", file)
                .get("/recordings/{id}/download", room.recordingId()).then().statusCode(200)
                .extract().path("url");
        HttpResponse<byte[]> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        return AudioCheck.write(dir, file.replace('/', '-'), response.body());
    }
}
