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
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import dev.reprise.contracts.CloudEventHeaders;
import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.Topic;
import dev.reprise.stack.testing.LocalStackTestResource;
import dev.reprise.stack.testing.TestTokens;
import dev.reprise.stack.testing.TopicTail;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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

    @Test
    void aTokenWithoutAUsableSubjectIs401EvenWhereTheCallerIsNotAskedFor() {
        String roomId = createLiveRoom(uniqueUser("host"), Map.of());
        for (String subject : new String[] {"", " ", "a\u0000b", "tab\tbed", "x".repeat(256)}) {
            String token = TestTokens.withRawSubject(subject);
            problem(given().auth().oauth2(token).get("/rooms").then(), 401)
                    .header("WWW-Authenticate", startsWith("Bearer"));
            problem(given().auth().oauth2(token).contentType(ContentType.JSON).post("/rooms/{id}/join", roomId).then(),
                    401);
        }
    }

    @Test
    void controlCharactersInJsonStringsAre400NotADatabaseError() {
        String host = uniqueUser("host");
        String roomId = createLiveRoom(host, Map.of());
        problem(as(host).body(Map.of("title", "Late\u0000show")).post("/rooms").then(), 400)
                .body("errors.field", hasItem("title"));
        problem(as(host).body(Map.of("title", "Late\u001bshow")).post("/rooms").then(), 400)
                .body("errors.field", hasItem("title"));
        problem(as(host).body(Map.of("userId", "ali\u0000")).post("/rooms/{id}/invitations", roomId).then(), 400)
                .body("errors.field", hasItem("userId"));
        as(host).body(Map.of("title", "Late show,\n\twith tabs")).post("/rooms").then().statusCode(201);
    }

    @Test
    void aUserIdInABodyFollowsTheUserIdRules() {
        String host = uniqueUser("host");
        String roomId = createLiveRoom(host, Map.of());
        for (String notAUserId : new String[] {"ali\tb", "ali\n", " ", "a".repeat(256)}) {
            problem(as(host).body(Map.of("userId", notAUserId)).post("/rooms/{id}/invitations", roomId).then(), 400)
                    .body("errors.field", hasItem("userId"));
        }
    }

    @Test
    void controlCharactersInTheUrlAre400BeforeAnyResourceSeesThem() {
        String host = uniqueUser("host");
        String roomId = createLiveRoom(host, Map.of());
        // urlEncodingEnabled(false): the escapes go out exactly as written, and reach JAX-RS decoded
        problem(as(host).urlEncodingEnabled(false).body(Map.of("recordingConsent", true))
                .post("/rooms/" + roomId + "/invitations/a%00b/accept").then(), 400);
        problem(as(host).urlEncodingEnabled(false).delete("/rooms/" + roomId + "/participants/a%00b").then(), 400);
        problem(as(host).urlEncodingEnabled(false).delete("/rooms/" + roomId + "/participants/a%0Ab").then(), 400);
        problem(as(host).urlEncodingEnabled(false).get("/rooms?page=%00").then(), 400)
                .body("errors.field", hasItem("page"));
        as(host).get("/rooms/{id}", roomId).then().statusCode(200).body("participants.userId", hasItem(host));
    }

    @Test
    void aPageFarBeyondTheEndIsEmptyNotAnOverflow() {
        String host = uniqueUser("host");
        as(host).get("/rooms?page=2147483647").then().statusCode(200).body("items", empty())
                .body("page", equalTo(Integer.MAX_VALUE));
        as(host).get("/rooms?page=21474837&size=100").then().statusCode(200).body("items", empty());
    }

    @Test
    void aQueryParameterOfTheWrongTypeIs400NamingIt() {
        String host = uniqueUser("host");
        problem(as(host).get("/rooms?page=abc").then(), 400).body("errors.field", hasItem("page"));
        problem(as(host).get("/rooms?size=1.5").then(), 400).body("errors.field", hasItem("size"));
        problem(as(host).get("/rooms?page=99999999999").then(), 400).body("errors.field", hasItem("page"));
    }

    @Test
    void consentAndOtherValuesMustHaveTheirJsonTypes() {
        String host = uniqueUser("host");
        String speaker = uniqueUser("speaker");
        String roomId = createLiveRoom(host, Map.of("recording", true));
        join(speaker, roomId).statusCode(200);
        invite(host, roomId, speaker).statusCode(200);
        for (String notABoolean : new String[] {"0", "1", "2", "\"true\"", "\"false\"", "\"\"", "[true]"}) {
            problem(as(speaker).body("{\"recordingConsent\": " + notABoolean + "}")
                    .post("/rooms/{id}/invitations/{user}/accept", roomId, speaker).then(), 400)
                    .body("errors.field", hasItem("recordingConsent"));
        }
        as(host).get("/rooms/{id}", roomId).then()
                .body("participants.find { it.userId == '" + speaker + "' }.role", equalTo("LISTENER"));
        problem(as(host).body("{\"title\": 42}").post("/rooms").then(), 400).body("errors.field", hasItem("title"));
        problem(as(host).body("{\"title\": \"x\", \"settings\": {\"retentionPolicy\": 0}}").post("/rooms").then(), 400)
                .body("errors.field", hasItem("settings.retentionPolicy"));
        problem(as(host).body("{\"userId\": 7}").post("/rooms/{id}/invitations", roomId).then(), 400)
                .body("errors.field", hasItem("userId"));
        accept(speaker, roomId, speaker, false).statusCode(200).body("recordingConsent", equalTo(false));
    }

    @Test
    void duplicateKeysAndTrailingContentAre400() {
        String host = uniqueUser("host");
        String speaker = uniqueUser("speaker");
        String roomId = createLiveRoom(host, Map.of("recording", true));
        join(speaker, roomId).statusCode(200);
        invite(host, roomId, speaker).statusCode(200);
        problem(as(speaker).body("{\"recordingConsent\": false, \"recordingConsent\": true}")
                .post("/rooms/{id}/invitations/{user}/accept", roomId, speaker).then(), 400)
                .body("type", equalTo("urn:reprise:problem:malformed-json"))
                .body("detail", containsString("recordingConsent"));
        problem(as(speaker).body("{\"recordingConsent\": false} {\"recordingConsent\": true}")
                .post("/rooms/{id}/invitations/{user}/accept", roomId, speaker).then(), 400)
                .body("type", equalTo("urn:reprise:problem:malformed-json"));
        problem(as(speaker).body("{\"recordingConsent\": false} true")
                .post("/rooms/{id}/invitations/{user}/accept", roomId, speaker).then(), 400);
        problem(as(host).body("{\"title\": \"x\"} garbage").post("/rooms").then(), 400);
        as(host).get("/rooms/{id}", roomId).then()
                .body("participants.find { it.userId == '" + speaker + "' }.role", equalTo("LISTENER"));
    }

    @Test
    void aMethodNotAllowedSaysWhichAre() {
        String host = uniqueUser("host");
        String roomId = RoomApi.createRoom(host, Map.of());
        problem(as(host).delete("/rooms/{id}", roomId).then(), 405).header("Allow", equalTo("GET, HEAD, OPTIONS"));
        problem(as(host).put("/rooms").then(), 405).header("Allow", equalTo("GET, HEAD, OPTIONS, POST"));
        problem(as(host).get("/rooms/{id}/join", roomId).then(), 405).header("Allow", equalTo("OPTIONS, POST"));
    }

    @Test
    void unacceptableAndUnsupportedMediaTypesAreProblems() {
        String host = uniqueUser("host");
        problem(as(host).accept(ContentType.TEXT).get("/rooms").then(), 406);
        problem(as(host).contentType(ContentType.TEXT).body("title").post("/rooms").then(), 415);
    }

    @Test
    void aChunkedBodyOverTheLimitIs413WithAProblemToo() throws Exception {
        String host = uniqueUser("host");
        // a body read from a stream goes out chunked, without a Content-Length announcing its size
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/rooms"))
                        .header("Authorization", "Bearer " + TestTokens.forUser(host))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(
                                ("{\"title\": \"" + "x".repeat(64 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8))))
                        .timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.body()).contains("urn:reprise:problem:body-too-large");
        // and a small chunked body is read as usual
        HttpResponse<String> small = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/rooms"))
                        .header("Authorization", "Bearer " + TestTokens.forUser(host))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(
                                "{\"title\": \"Chunked show\"}".getBytes(StandardCharsets.UTF_8))))
                        .timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(small.statusCode()).isEqualTo(201);
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
