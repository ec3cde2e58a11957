package dev.reprise.recording.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.room.EndReason;
import dev.reprise.contracts.room.RetentionPolicy;
import dev.reprise.contracts.room.RoomEnded;
import dev.reprise.contracts.room.SpeakerAdded;
import dev.reprise.contracts.room.SpeakerConsentChanged;
import dev.reprise.recording.audio.TrackSegment;
import dev.reprise.recording.rest.AnnouncedRooms.Room;
import dev.reprise.recording.service.IngestTokens;
import dev.reprise.recording.service.LiveTracks;
import dev.reprise.stack.testing.LocalStackTestResource;
import dev.reprise.stack.testing.TestTokens;
import dev.reprise.storage.ObjectStorage;
import io.minio.ListObjectsArgs;
import io.minio.Result;
import io.minio.messages.Item;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Live ingest over the WebSocket exactly as LiveKit's track egress speaks it, on the real local stack: room events
 * through Kafka as room-service publishes them, the journal on disk, segments in S3, rows in PostgreSQL.
 */
@QuarkusTest
@WithTestResource(value = LocalStackTestResource.class,
        initArgs = @ResourceArg(name = "service", value = "recording-service"))
class LiveIngestTest {

    private static final Duration WAIT = AnnouncedRooms.WAIT;
    /** Where a sound is placed may differ from when it was sent by the network and scheduling: 100 ms. */
    private static final long PLACEMENT_TOLERANCE = 4_800;

    @Inject
    Vertx vertx;

    @Inject
    Pool pool;

    @Inject
    ObjectStorage storage;

    @Inject
    IngestTokens tokens;

    @Inject
    LiveTracks liveTracks;

    @Inject
    StoredAudio stored;

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
    void aStereoStreamIsRecordedWhereItWasSaidWithoutItsSilenceAndAcrossAMute() throws Exception {
        Room room = rooms.live("alice", true);
        try (LiveKitEgress alice = dial(room, "alice", 2)) {
            long firstSent = sinceStart(room);
            alice.play(LiveKitEgress.tone(440, 1000, 0.3));
            alice.play(new short[48_000]); // a second of digital silence
            alice.muted(true);
            alice.pause(1500);
            alice.muted(false);
            long secondSent = sinceStart(room);
            alice.play(LiveKitEgress.tone(880, 600, 0.3));
            alice.end();

            List<TrackSegment.Run> runs = storedRuns(room, "alice", 1);
            assertThat(runs).hasSize(2);
            TrackSegment.Run first = runs.get(0);
            TrackSegment.Run second = runs.get(1);
            assertThat(first.position()).isCloseTo(firstSent, within(PLACEMENT_TOLERANCE));
            assertThat(second.position()).isCloseTo(secondSent, within(PLACEMENT_TOLERANCE));
            // The tone and at most 10 ms before and 30 ms after it: the silence and the mute cost nothing.
            assertThat(first.samples().length).isBetween(48_000, 48_000 + 40 * 48);
            assertThat(second.samples().length).isBetween(600 * 48, 600 * 48 + 40 * 48);
            assertThat(StoredAudio.frequency(first)).isCloseTo(440, within(5.0));
            assertThat(StoredAudio.frequency(second)).isCloseTo(880, within(5.0));
        }
    }

    @Test
    void aMonoStreamOfTheHostIsRecorded() throws Exception {
        Room room = rooms.live("alice", true);
        try (LiveKitEgress host = dial(room, room.host(), 1)) {
            host.play(LiveKitEgress.tone(330, 500, 0.2));
            host.end();
        }
        List<TrackSegment.Run> runs = storedRuns(room, room.host(), 1);
        assertThat(runs.get(0).samples().length).isBetween(500 * 48, 540 * 48);
        assertThat(StoredAudio.frequency(runs.get(0))).isCloseTo(330, within(5.0));
    }

    @Test
    void aSpeakerWhoDeclinedAndAListenerAreRefusedAndNothingOfThemIsStored() throws Exception {
        Room room = rooms.live("alice", true);
        rooms.send(EventCatalog.SPEAKER_ADDED, room.id(), new SpeakerAdded(room.id(), "bob", false, AnnouncedRooms.now()));
        rooms.awaitCount("SELECT count(*) FROM speaker_consent WHERE room_id = $1 AND user_id = 'bob'", room.id(), 1);

        try (LiveKitEgress bob = dial(room, "bob", 2)) {
            assertThat(bob.awaitClosedByServer()).isEqualTo((short) 4403);
            assertThat(bob.closeReason()).contains("bob has not agreed to be recorded");
        }
        try (LiveKitEgress carol = dial(room, "carol", 2)) {
            assertThat(carol.awaitClosedByServer()).isEqualTo((short) 4403);
            assertThat(carol.closeReason()).contains("not a speaker");
        }
        assertThat(rooms.count("SELECT count(*) FROM track t JOIN recording r ON r.id = t.recording_id"
                + " WHERE r.room_id = $1 AND t.speaker_id IN ('bob', 'carol')", room.id())).isZero();
        assertThat(objects("recordings/" + room.recordingId() + "/")).isEmpty();
    }

    @Test
    void aForgedExpiredOrBorrowedTokenOrAWrongFormatIsRefusedAtTheUpgrade() {
        Room room = rooms.live("alice", true);
        String alicesToken = token(room, "alice");
        String base = "/recordings/ingest/rooms/" + room.id() + "/speakers/";
        assertThat(rejection(base + "alice?token=v1.forged.x.y.z", "audio/x-raw")).isEqualTo(401);
        assertThat(rejection(base + "alice", "audio/x-raw")).isEqualTo(401);
        assertThat(rejection(base + "bob?token=" + alicesToken, "audio/x-raw")).as("alice's token for bob's track")
                .isEqualTo(401);
        assertThat(rejection("/recordings/ingest/rooms/" + UUID.randomUUID() + "/speakers/alice?token="
                + alicesToken, "audio/x-raw")).as("for another room").isEqualTo(401);
        assertThat(rejection(base + "alice?channels=6&token=" + alicesToken, "audio/x-raw")).isEqualTo(400);
        assertThat(rejection(base + "alice?token=" + alicesToken, "audio/ogg")).isEqualTo(415);
        assertThat(rejection(base + "alice?token=" + alicesToken, "audio/x-raw;rate=44100")).isEqualTo(415);
    }

    @Test
    void aRoomThatIsUnknownOrNotRecordingIsRefusedWithTheReason() throws Exception {
        UUID unknown = UUID.randomUUID();
        try (LiveKitEgress stream = LiveKitEgress.dial(vertx, base.getPort(), "/recordings/ingest/rooms/" + unknown
                + "/speakers/alice?token=" + tokens.issue(unknown, "alice").token(), 2)) {
            assertThat(stream.awaitClosedByServer()).isEqualTo((short) 4404);
        }
        Room unrecorded = rooms.live("alice", false);
        try (LiveKitEgress stream = dial(unrecorded, "alice", 2)) {
            assertThat(stream.awaitClosedByServer()).isEqualTo((short) 4409);
            assertThat(stream.closeReason()).contains("not being recorded");
        }
    }

    @Test
    void aSpeakerWhoWithdrawsMidStreamIsRecordedUpToThatMomentOnlyAndAgainAfterSayingYes() throws Exception {
        Room room = rooms.live("alice", true);
        try (LiveKitEgress alice = dial(room, "alice", 2)) {
            alice.play(LiveKitEgress.tone(440, 1000, 0.3));
            Instant withdrawn = AnnouncedRooms.now();
            rooms.send(EventCatalog.SPEAKER_CONSENT_CHANGED, room.id(),
                    new SpeakerConsentChanged(room.id(), "alice", false, withdrawn));
            alice.play(LiveKitEgress.tone(440, 1500, 0.3)); // still talking, no longer recorded
            assertThat(liveTracks.find(room.id(), "alice").isAllowed()).isFalse();
            Instant given = AnnouncedRooms.now();
            rooms.send(EventCatalog.SPEAKER_CONSENT_CHANGED, room.id(),
                    new SpeakerConsentChanged(room.id(), "alice", true, given));
            awaitAllowed(room, "alice");
            alice.play(LiveKitEgress.tone(660, 500, 0.3));
            alice.end();

            List<TrackSegment.Run> runs = storedRuns(room, "alice", 1);
            long withdrawnAt = Duration.between(room.startedAt(), withdrawn).toMillis() * 48;
            long givenAt = Duration.between(room.startedAt(), given).toMillis() * 48;
            assertThat(runs).hasSize(2);
            // Cut exactly where the speaker said no, whatever was still on its way.
            assertThat(runs.get(0).end()).isLessThanOrEqualTo(withdrawnAt);
            assertThat(runs.get(0).end()).isGreaterThan(withdrawnAt - 48 * 100);
            assertThat(runs.get(1).position()).isGreaterThanOrEqualTo(givenAt);
            assertThat(StoredAudio.frequency(runs.get(1))).isCloseTo(660, within(5.0));
        }
    }

    @Test
    void aWithdrawalThatArrivesAfterTheAudioWasSealedCutsItAgain() throws Exception {
        Room room = rooms.live("alice", true);
        Instant midway;
        try (LiveKitEgress alice = dial(room, "alice", 2)) {
            alice.play(LiveKitEgress.tone(440, 1000, 0.3));
            midway = AnnouncedRooms.now();
            alice.play(LiveKitEgress.tone(440, 1000, 0.3));
            alice.end();
        }
        assertThat(storedRuns(room, "alice", 1).get(0).samples().length).isGreaterThanOrEqualTo(96_000);
        // The statement was made midway but reaches this service only now, after sealing (a lagging consumer).
        rooms.send(EventCatalog.SPEAKER_CONSENT_CHANGED, room.id(),
                new SpeakerConsentChanged(room.id(), "alice", false, midway));
        long midwayAt = Duration.between(room.startedAt(), midway).toMillis() * 48;
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<TrackSegment.Run> runs = storedRuns(room, "alice", 1);
        while (runs.get(runs.size() - 1).end() > midwayAt) {
            assertThat(System.nanoTime()).as("the sealed audio is cut again").isLessThan(deadline);
            Thread.sleep(100);
            runs = storedRuns(room, "alice", 1);
        }
        assertThat(runs.get(runs.size() - 1).end()).isEqualTo(midwayAt);
        assertThat(rooms.count("SELECT count(*) FROM consent_recut WHERE room_id = $1", room.id())).isZero();
    }

    @Test
    void theEndOfTheRoomClosesItsStreamsAndWhatTheySentIsKept() throws Exception {
        Room room = rooms.live("alice", true);
        try (LiveKitEgress alice = dial(room, "alice", 2)) {
            alice.play(LiveKitEgress.tone(440, 400, 0.3));
            rooms.send(EventCatalog.ROOM_ENDED, room.id(), new RoomEnded(room.id(), room.host(), EndReason.HOST_ENDED,
                    RetentionPolicy.SAVED, null, AnnouncedRooms.now()));
            assertThat(alice.awaitClosedByServer()).isEqualTo((short) 4409);
            assertThat(alice.closeReason()).contains("has ended");
        }
        assertThat(storedRuns(room, "alice", 1).get(0).samples().length).isGreaterThanOrEqualTo(400 * 48);
    }

    @Test
    void aFrameThatIsNotWholeSamplesClosesTheStreamAsInvalid() throws Exception {
        Room room = rooms.live("alice", true);
        try (LiveKitEgress alice = dial(room, "alice", 2)) {
            alice.sendBytes(new byte[] {1, 2, 3});
            assertThat(alice.awaitClosedByServer()).isEqualTo((short) 1007);
        }
    }

    // --- helpers

    private String token(Room room, String speaker) {
        return given().auth().oauth2(TestTokens.forUser(room.host())).contentType("application/json")
                .body(Map.of("speakerId", speaker))
                .post("/recordings/rooms/{id}/ingest-tokens", room.id()).then().statusCode(201)
                .extract().path("token");
    }

    private LiveKitEgress dial(Room room, String speaker, int channels) throws Exception {
        String path = given().auth().oauth2(TestTokens.forUser(room.host())).contentType("application/json")
                .body(Map.of("speakerId", speaker))
                .post("/recordings/rooms/{id}/ingest-tokens", room.id()).then().statusCode(201)
                .extract().path("websocketPath");
        return LiveKitEgress.dial(vertx, base.getPort(), channels == 1 ? path + "&channels=1" : path, channels);
    }

    private int rejection(String path, String contentType) {
        var client = vertx.createWebSocketClient();
        try {
            client.connect(new io.vertx.core.http.WebSocketConnectOptions().setHost("127.0.0.1")
                    .setPort(base.getPort()).setURI(path).addHeader("Content-Type", contentType))
                    .toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
            throw new AssertionError("the upgrade to " + path + " was accepted");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(UpgradeRejectedException.class);
            return ((UpgradeRejectedException) e.getCause()).getStatus();
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            client.close();
        }
    }

    private long sinceStart(Room room) {
        return Duration.between(room.startedAt(), Instant.now()).toMillis() * 48;
    }

    private void awaitAllowed(Room room, String speaker) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!liveTracks.find(room.id(), speaker).isAllowed()) {
            assertThat(System.nanoTime()).as("allowed again in time").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** The runs of the speaker's stored segments, in time order, once everything received is sealed. */
    private List<TrackSegment.Run> storedRuns(Room room, String speaker, int atLeastSegments) throws Exception {
        return stored.runs(room.id(), speaker, atLeastSegments);
    }

    private List<String> objects(String prefix) throws Exception {
        List<String> names = new ArrayList<>();
        for (Result<Item> item : storage.client().listObjects(ListObjectsArgs.builder().bucket(storage.bucket())
                .prefix(prefix).recursive(true).build())) {
            names.add(item.get().objectName());
        }
        return names;
    }

}
