package dev.reprise.room.rest;

import static dev.reprise.room.rest.RoomApi.accept;
import static dev.reprise.room.rest.RoomApi.as;
import static dev.reprise.room.rest.RoomApi.createLiveRoom;
import static dev.reprise.room.rest.RoomApi.invite;
import static dev.reprise.room.rest.RoomApi.join;
import static dev.reprise.room.rest.RoomApi.uniqueUser;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import dev.reprise.contracts.CloudEventHeaders;
import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.Topic;
import dev.reprise.stack.testing.LocalStackTestResource;
import dev.reprise.stack.testing.TopicTail;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Client mistakes get RFC 9457 problem details with the right status; none of them is a 500. */
@QuarkusTest
@WithTestResource(value = LocalStackTestResource.class,
        initArgs = @ResourceArg(name = "service", value = "room-service"))
class RoomErrorsTest {

    private static ValidatableResponse problem(ValidatableResponse response, int status) {
        return response.statusCode(status).contentType("application/problem+json").body("status", equalTo(status));
    }

    @Test
    void everyEndpointNeedsAValidBearerToken() {
        problem(given().get("/rooms").then(), 401).header("WWW-Authenticate", startsWith("Bearer"));
        problem(given().auth().oauth2("not-a-jwt").get("/rooms").then(), 401);
        problem(given().auth().oauth2(forgedToken()).get("/rooms").then(), 401);
    }

    @Test
    void anUnknownRoomIs404() {
        String user = uniqueUser("u");
        UUID unknown = UUID.randomUUID();
        problem(as(user).get("/rooms/{id}", unknown).then(), 404).body("detail", containsString(unknown.toString()));
        problem(as(user).post("/rooms/{id}/join", unknown).then(), 404);
        problem(as(user).post("/rooms/{id}/leave", unknown).then(), 404);
        problem(as(user).delete("/rooms/{id}/participants/{user}", unknown, "someone").then(), 404);
        problem(as(user).get("/rooms/{id}", "not-a-uuid").then(), 404);
    }

    @Test
    void someoneElsesRoomIs403() {
        String host = uniqueUser("host");
        String other = uniqueUser("other");
        String roomId = RoomApi.createRoom(host, Map.of());
        problem(as(other).post("/rooms/{id}/start", roomId).then(), 403);
        join(other, roomId).statusCode(200);
        problem(as(other).post("/rooms/{id}/end", roomId).then(), 403);
        problem(invite(other, roomId, host), 403);
        problem(as(other).delete("/rooms/{id}/participants/{user}", roomId, host).then(), 403);
        problem(as(host).delete("/rooms/{id}/participants/{user}", roomId, host).then(), 409)
                .body("type", equalTo("urn:reprise:problem:host-not-removable"));
        as(host).get("/rooms/{id}", roomId).then().body("status", equalTo("CREATED"))
                .body("participants.userId", org.hamcrest.Matchers.hasItems(host, other));
    }

    @Test
    void aListenerCannotEndTheRoomButAModeratorCan() {
        String host = uniqueUser("host");
        String listener = uniqueUser("listener");
        String roomId = createLiveRoom(host, Map.of());
        join(listener, roomId).statusCode(200);
        problem(as(listener).post("/rooms/{id}/end", roomId).then(), 403);
        as(host).get("/rooms/{id}", roomId).then().body("status", equalTo("LIVE"));
        RoomApi.asModerator(uniqueUser("mod")).post("/rooms/{id}/end", roomId).then().statusCode(200)
                .body("status", equalTo("ENDED"));
    }

    @Test
    void aUserCannotAcceptAnotherUsersInvitation() {
        String host = uniqueUser("host");
        String alice = uniqueUser("alice");
        String mallory = uniqueUser("mallory");
        String roomId = createLiveRoom(host, Map.of("recording", true));
        join(alice, roomId).statusCode(200);
        join(mallory, roomId).statusCode(200);
        invite(host, roomId, alice).statusCode(200);
        problem(accept(mallory, roomId, alice, true), 403);
        problem(accept(mallory, roomId, mallory, true), 409).body("type", equalTo("urn:reprise:problem:no-invitation"));
        as(host).get("/rooms/{id}", roomId).then()
                .body("participants.find { it.userId == '" + alice + "' }.role", equalTo("LISTENER"))
                .body("participants.find { it.userId == '" + mallory + "' }.role", equalTo("LISTENER"));
    }

    @Test
    void joiningAnEndedRoomIs409() {
        String host = uniqueUser("host");
        String roomId = createLiveRoom(host, Map.of());
        as(host).post("/rooms/{id}/end", roomId).then().statusCode(200);
        problem(join(uniqueUser("late"), roomId), 409).body("type", equalTo("urn:reprise:problem:room-ended"));
        problem(as(host).post("/rooms/{id}/start", roomId).then(), 409);
        as(host).post("/rooms/{id}/end", roomId).then().statusCode(200).body("status", equalTo("ENDED"));
    }

    @Test
    void invalidSettingsAre400NamingTheField() {
        String host = uniqueUser("host");
        problem(as(host).body(Map.of("title", "x", "settings", Map.of("recording", false, "transcription", true)))
                .post("/rooms").then(), 400).body("errors.field", hasItem("settings.transcription"));
        problem(as(host).body(Map.of("title", "x", "settings", Map.of("clipsAllowed", true)))
                .post("/rooms").then(), 400).body("errors.field", hasItem("settings.clipsAllowed"));
        problem(as(host).body(Map.of("title", "x", "settings", Map.of("retentionPolicy", "FOREVER")))
                .post("/rooms").then(), 400).body("errors.field", hasItem("settings.retentionPolicy"))
                .body("detail", containsString("MODERATION_30D"));
        problem(as(host).body(Map.of("title", "x", "settings", Map.of("recording", "yes please")))
                .post("/rooms").then(), 400).body("errors.field", hasItem("settings.recording"));
        problem(as(host).body(Map.of("title", "x", "settings", Map.of("recordin", true)))
                .post("/rooms").then(), 400).body("errors.field", hasItem("settings.recordin"));
        problem(as(host).body(Map.of("title", " ")).post("/rooms").then(), 400).body("errors.field", hasItem("title"));
        problem(as(host).body(Map.of("title", "t".repeat(121))).post("/rooms").then(), 400)
                .body("errors.field", hasItem("title"));
        problem(as(host).get("/rooms?size=0").then(), 400).body("errors.field", hasItem("size"));
        problem(as(host).get("/rooms?page=-1").then(), 400).body("errors.field", hasItem("page"));
    }

    @Test
    void malformedOrOversizedJsonIsRejected() {
        String host = uniqueUser("host");
        problem(as(host).body("{\"title\": ").post("/rooms").then(), 400)
                .body("type", equalTo("urn:reprise:problem:malformed-json"));
        problem(as(host).body("").post("/rooms").then(), 400);
        problem(as(host).body("[1,2]").post("/rooms").then(), 400);
        problem(as(host).body("{\"title\": \"" + "x".repeat(64 * 1024) + "\"}").post("/rooms").then(), 413)
                .body("type", equalTo("urn:reprise:problem:body-too-large"));
        problem(as(host).contentType(ContentType.TEXT).body("title").post("/rooms").then(), 415);
    }

    @Test
    void repeatedJoinAndLeaveAreIdempotentAndAnnouncedOnce() {
        String host = uniqueUser("host");
        String dave = uniqueUser("dave");
        String roomId = createLiveRoom(host, Map.of());
        try (TopicTail roomTopic = TopicTail.fromEnd(Topic.ROOM.topicName())) {
            String joinedAt = join(dave, roomId).statusCode(200).extract().path("joinedAt");
            join(dave, roomId).statusCode(200).body("joinedAt", equalTo(joinedAt));
            as(dave).post("/rooms/{id}/leave", roomId).then().statusCode(204);
            as(dave).post("/rooms/{id}/leave", roomId).then().statusCode(204);
            as(uniqueUser("never-joined")).post("/rooms/{id}/leave", roomId).then().statusCode(204);
            as(host).post("/rooms/{id}/end", roomId).then().statusCode(200);

            // The room's creation and start may still be on their way when the tail opens: look at what follows.
            var events = roomTopic.awaitRecords(record -> roomId.equals(record.key())
                    && !EventCatalog.ROOM_CREATED.type().equals(RoomLifecycleTest.header(record, CloudEventHeaders.TYPE))
                    && !EventCatalog.ROOM_STARTED.type().equals(RoomLifecycleTest.header(record, CloudEventHeaders.TYPE)),
                    3, Duration.ofSeconds(20));
            assertThat(events).extracting(record -> RoomLifecycleTest.header(record, CloudEventHeaders.TYPE))
                    .containsExactly(EventCatalog.PARTICIPANT_JOINED.type(), EventCatalog.PARTICIPANT_LEFT.type(),
                            EventCatalog.ROOM_ENDED.type());
        }
        as(host).get("/rooms/{id}/timeline", roomId).then()
                .body("findAll { it.userId == '" + dave + "' }.kind", org.hamcrest.Matchers.contains("JOINED", "LEFT"));
    }

    @Test
    void theSpeakerCapHolds() {
        String host = uniqueUser("host");
        String roomId = createLiveRoom(host, Map.of());
        for (int i = 0; i < 10; i++) {
            String speaker = uniqueUser("speaker" + i);
            join(speaker, roomId).statusCode(200);
            invite(host, roomId, speaker).statusCode(200);
            accept(speaker, roomId, speaker, i % 2 == 0).statusCode(200);
        }
        String eleventh = uniqueUser("eleventh");
        join(eleventh, roomId).statusCode(200);
        problem(invite(host, roomId, eleventh), 409).body("type", equalTo("urn:reprise:problem:speaker-limit"));
    }

    @Test
    void onlyPeopleWhoWereThereReadTheTimeline() {
        String host = uniqueUser("host");
        String roomId = createLiveRoom(host, Map.of());
        problem(as(uniqueUser("stranger")).get("/rooms/{id}/timeline", roomId).then(), 403);
        RoomApi.asModerator(uniqueUser("mod")).get("/rooms/{id}/timeline", roomId).then().statusCode(200);
    }

    @Test
    void unknownPathsAreProblemsToo() {
        problem(as(uniqueUser("u")).get("/nothing-here").then(), 404);
    }

    /** A well-formed RS256 token signed by a key the service does not trust. */
    private static String forgedToken() {
        try {
            var generator = java.security.KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return io.smallrye.jwt.build.Jwt.issuer("https://reprise.local").subject("mallory")
                    .groups(java.util.Set.of("moderator")).sign(generator.generateKeyPair().getPrivate());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
