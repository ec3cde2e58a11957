package dev.reprise.recording.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.EventJson;
import dev.reprise.contracts.Topic;
import dev.reprise.contracts.recording.DeletionReason;
import dev.reprise.contracts.recording.RecordingDeleted;
import dev.reprise.contracts.room.EndReason;
import dev.reprise.contracts.room.RetentionPolicy;
import dev.reprise.contracts.room.RoomEnded;
import dev.reprise.recording.MovableClock;
import dev.reprise.stack.testing.LocalStackTestResource;
import dev.reprise.stack.testing.TestTokens;
import dev.reprise.stack.testing.TopicTail;
import dev.reprise.storage.ObjectStorage;
import io.minio.ListObjectsArgs;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A host's controls and retention on the real stack, the service's clock moved where time matters: who may reach
 * a recording, download links that expire, the moderation window, the host's save and delete,
 * an ephemeral room, and a moderator's hold, which stops every deletion and is a moderator's only way in.
 */
@QuarkusTest
@WithTestResource(value = LocalStackTestResource.class,
        initArgs = @ResourceArg(name = "service", value = "recording-service"))
class HostControlsTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    Pool pool;

    @Inject
    ObjectStorage storage;

    @Inject
    MovableClock clock;

    @Inject
    dev.reprise.recording.service.IngestTokens tokens;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private AnnouncedRooms rooms;

    @BeforeEach
    void connect() {
        rooms = new AnnouncedRooms(bootstrapServers, pool);
    }

    @AfterEach
    void disconnect() {
        clock.reset();
        rooms.close();
    }

    @Test
    void onlyTheHostReachesARecordingAndItsDownloadLinksExpire() throws Exception {
        AnnouncedRooms.Room room = ended(RetentionPolicy.SAVED);
        UUID id = room.recordingId();
        // A listener of the room (or anyone), another room's host: no view, no link, no save, no delete.
        for (String other : List.of("listener-1", "host-of-another-room")) {
            String token = TestTokens.forUser(other);
            given().auth().oauth2(token).get("/recordings/{id}", id).then().statusCode(403);
            given().auth().oauth2(token).queryParam("file", "recording.mp3").get("/recordings/{id}/download", id)
                    .then().statusCode(403);
            given().auth().oauth2(token).post("/recordings/{id}/save", id).then().statusCode(403);
            given().auth().oauth2(token).delete("/recordings/{id}", id).then().statusCode(403);
            given().auth().oauth2(token).get("/recordings").then().statusCode(200)
                    .body("id", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasItem(id.toString())));
        }
        given().get("/recordings/{id}", id).then().statusCode(401);
        given().auth().oauth2(TestTokens.forUser(room.host())).get("/recordings/{id}", UUID.randomUUID()).then()
                .statusCode(404);
        given().auth().oauth2(TestTokens.forUser(room.host())).queryParam("file", "nope.wav")
                .get("/recordings/{id}/download", id).then().statusCode(404);
        given().auth().oauth2(TestTokens.forUser(room.host())).get("/recordings/{id}/download", id).then()
                .statusCode(400);
        given().auth().oauth2(TestTokens.forUser(room.host())).get("/recordings").then().statusCode(200)
                .body("id", org.hamcrest.Matchers.hasItem(id.toString()));

        // The host's link works, and stops working once its lifetime (3 s in tests) is over.
        String url = given().auth().oauth2(TestTokens.forUser(room.host())).queryParam("file", "recording.mp3")
                .get("/recordings/{id}/download", id).then().statusCode(200).extract().path("url");
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build();
        assertThat(http.send(request, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode())
                .isEqualTo(200);
        Thread.sleep(4_000);
        assertThat(http.send(request, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode())
                .isEqualTo(403);
    }

    @Test
    void theModerationWindowDeletesAnUnsavedRecordingAndKeepsASavedOne() throws Exception {
        AnnouncedRooms.Room kept = ended(RetentionPolicy.MODERATION_30D);
        AnnouncedRooms.Room expiring = ended(RetentionPolicy.MODERATION_30D);
        // Saved while the room was live: the recording built after it keeps the save.
        AnnouncedRooms.Room savedLive = ended(RetentionPolicy.MODERATION_30D, room ->
                given().auth().oauth2(TestTokens.forUser(room.host())).post("/recordings/{id}/save",
                        room.recordingId()).then().statusCode(200).body("status", equalTo("RECORDING")));
        recording(savedLive, savedLive.host()).body("retention.deleteAfter", nullValue());
        assertThat(objects(expiring)).isNotEmpty();
        recording(expiring, expiring.host()).body("retention.policy", equalTo("MODERATION_30D"))
                .body("retention.deleteAfter", notNullValue());
        recording(kept, kept.host()).statusCode(200);
        given().auth().oauth2(TestTokens.forUser(kept.host())).post("/recordings/{id}/save", kept.recordingId())
                .then().statusCode(200).body("retention.deleteAfter", nullValue())
                .body("retention.savedAt", notNullValue());

        try (TopicTail topic = TopicTail.fromEnd(bootstrapServers, Topic.RECORDING.topicName())) {
            clock.advance(Duration.ofDays(29));
            assertThat(topic.recordsWithin(record -> record.key().equals(expiring.id().toString()),
                    Duration.ofSeconds(3))).as("nothing is deleted a day early").isEmpty();
            clock.advance(Duration.ofDays(2));
            RecordingDeleted deleted = deletedEvent(topic, expiring);
            assertThat(deleted.reason()).isEqualTo(DeletionReason.RETENTION_EXPIRED);
        }
        assertThat(status(expiring)).isEqualTo("DELETED");
        assertThat(objects(expiring)).as("every object of every version").isEmpty();
        recording(expiring, expiring.host()).statusCode(404);
        assertThat(status(kept)).isEqualTo("READY");
        assertThat(objects(kept)).isNotEmpty();
        assertThat(status(savedLive)).isEqualTo("READY");
    }

    @Test
    void aHoldStopsDeletionAndIsTheOnlyWayAModeratorReachesARecording() throws Exception {
        AnnouncedRooms.Room room = ended(RetentionPolicy.MODERATION_30D);
        String moderator = TestTokens.forModerator("mod-1");
        given().auth().oauth2(moderator).get("/recordings/{id}", room.recordingId()).then().statusCode(403);
        given().auth().oauth2(TestTokens.forUser(room.host())).contentType("application/json")
                .body(Map.of("reason", "mine")).put("/recordings/{id}/hold", room.recordingId()).then()
                .statusCode(403);
        given().auth().oauth2(moderator).contentType("application/json").body(Map.of("reason", "reported: abuse"))
                .put("/recordings/{id}/hold", room.recordingId()).then().statusCode(200)
                .body("retention.held", equalTo(true));
        given().auth().oauth2(moderator).queryParam("file", "recording.mp3")
                .get("/recordings/{id}/download", room.recordingId()).then().statusCode(200)
                .body("url", notNullValue());
        given().auth().oauth2(TestTokens.forUser(room.host())).delete("/recordings/{id}", room.recordingId())
                .then().statusCode(409).body("type", equalTo("urn:reprise:problem:recording-held"));

        try (TopicTail topic = TopicTail.fromEnd(bootstrapServers, Topic.RECORDING.topicName())) {
            clock.advance(Duration.ofDays(40));
            assertThat(topic.recordsWithin(record -> record.key().equals(room.id().toString()),
                    Duration.ofSeconds(3))).as("held past its window").isEmpty();
            assertThat(status(room)).isEqualTo("READY");
            given().auth().oauth2(moderator).delete("/recordings/{id}/hold", room.recordingId()).then()
                    .statusCode(204);
            assertThat(deletedEvent(topic, room).reason()).isEqualTo(DeletionReason.RETENTION_EXPIRED);
        }
        assertThat(objects(room)).isEmpty();
    }

    @Test
    void anEphemeralRoomLeavesNothingAndTheHostDeletesWhenever() throws Exception {
        try (TopicTail topic = TopicTail.fromEnd(bootstrapServers, Topic.RECORDING.topicName())) {
            AnnouncedRooms.Room ephemeral = rooms.live("ava", true, RetentionPolicy.EPHEMERAL);
            speak(ephemeral);
            end(ephemeral, RetentionPolicy.EPHEMERAL);
            assertThat(deletedEvent(topic, ephemeral).reason()).isEqualTo(DeletionReason.EPHEMERAL);
            assertThat(topic.recordsWithin(record -> record.key().equals(ephemeral.id().toString())
                    && new String(record.headers().lastHeader("ce_type").value()).contains("finalized"),
                    Duration.ofSeconds(1))).as("an ephemeral room is never built").isEmpty();
            assertThat(objects(ephemeral)).isEmpty();

            AnnouncedRooms.Room saved = ended(RetentionPolicy.SAVED);
            given().auth().oauth2(TestTokens.forUser("someone-else")).delete("/recordings/{id}", saved.recordingId())
                    .then().statusCode(403);
            given().auth().oauth2(TestTokens.forUser(saved.host())).delete("/recordings/{id}", saved.recordingId())
                    .then().statusCode(202);
            assertThat(deletedEvent(topic, saved).reason()).isEqualTo(DeletionReason.HOST_DELETED);
            assertThat(objects(saved)).isEmpty();
        }
    }

    /** A room with recording on, live for a second, ended under {@code policy}; once its recording is READY. */
    private AnnouncedRooms.Room ended(RetentionPolicy policy) throws Exception {
        return ended(policy, room -> { });
    }

    /** The same, with {@code whileLive} done before the room ends. */
    private AnnouncedRooms.Room ended(RetentionPolicy policy, java.util.function.Consumer<AnnouncedRooms.Room> whileLive)
            throws Exception {
        AnnouncedRooms.Room room = rooms.live("ava", true, policy);
        speak(room);
        whileLive.accept(room);
        end(room, policy);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!"READY".equals(status(room))) {
            assertThat(System.nanoTime()).as("recording of room %s ready", room.id()).isLessThan(deadline);
            Thread.sleep(100);
        }
        return room;
    }

    /** ava says something (a chunk of a tone), and it is sealed into object storage. */
    private void speak(AnnouncedRooms.Room room) {
        given().queryParam("token", tokens.issue(room.id(), "ava").token()).queryParam("offsetMs", 200)
                .contentType("audio/wav").body(ChunkIngestTest.wav(LiveKitEgress.tone(500, 800, 0.3), 1))
                .put("/recordings/ingest/rooms/{room}/speakers/ava/chunks/0", room.id()).then().statusCode(201);
        rooms.awaitCount("SELECT count(*) FROM track_segment s JOIN track t ON t.id = s.track_id"
                + " JOIN recording r ON r.id = t.recording_id WHERE r.room_id = $1", room.id(), 1);
        assertThat(objects(room)).isNotEmpty();
    }

    private void end(AnnouncedRooms.Room room, RetentionPolicy policy) {
        rooms.send(EventCatalog.ROOM_ENDED, room.id(), new RoomEnded(room.id(), room.host(), EndReason.HOST_ENDED,
                policy, room.startedAt(), AnnouncedRooms.now()));
    }

    private String status(AnnouncedRooms.Room room) {
        return pool.preparedQuery("SELECT status FROM recording WHERE id = $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(room.recordingId())).await().atMost(WAIT).iterator()
                .next().getString("status");
    }

    private io.restassured.response.ValidatableResponse recording(AnnouncedRooms.Room room, String user) {
        return given().auth().oauth2(TestTokens.forUser(user)).get("/recordings/{id}", room.recordingId()).then();
    }

    private List<String> objects(AnnouncedRooms.Room room) {
        return StreamSupport.stream(storage.client().listObjects(ListObjectsArgs.builder().bucket(storage.bucket())
                .prefix("recordings/" + room.recordingId() + "/").recursive(true).build()).spliterator(), false)
                .map(result -> {
                    try {
                        return result.get().objectName();
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }).toList();
    }

    private static RecordingDeleted deletedEvent(TopicTail topic, AnnouncedRooms.Room room) {
        List<ConsumerRecord<String, byte[]>> records = topic.awaitRecords(record ->
                record.key().equals(room.id().toString())
                        && new String(record.headers().lastHeader("ce_type").value()).equals(
                                EventCatalog.RECORDING_DELETED.type()), 1, WAIT);
        RecordingDeleted deleted = EventJson.read(records.get(0).value(), EventCatalog.RECORDING_DELETED);
        assertThat(deleted.recordingId()).isEqualTo(room.recordingId());
        assertThat(deleted.deletedAt()).isAfter(Instant.now().minusSeconds(3600));
        return deleted;
    }
}
