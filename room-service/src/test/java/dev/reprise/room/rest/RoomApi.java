package dev.reprise.room.rest;

import static io.restassured.RestAssured.given;

import dev.reprise.stack.testing.TestTokens;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import java.util.Map;
import java.util.UUID;

/** The room API as a client app calls it: every request as some user, with that user's token. */
public final class RoomApi {

    private RoomApi() {
    }

    public static String uniqueUser(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public static RequestSpecification as(String userId) {
        return given().auth().oauth2(TestTokens.forUser(userId)).contentType(ContentType.JSON);
    }

    public static RequestSpecification asModerator(String userId) {
        return given().auth().oauth2(TestTokens.forModerator(userId)).contentType(ContentType.JSON);
    }

    public static String createLiveRoom(String host, Map<String, Object> settings) {
        String roomId = createRoom(host, settings);
        as(host).post("/rooms/{id}/start", roomId).then().statusCode(200);
        return roomId;
    }

    public static String createRoom(String host, Map<String, Object> settings) {
        return as(host).body(Map.of("title", "Morning show", "settings", settings))
                .post("/rooms").then().statusCode(201).extract().path("id");
    }

    public static ValidatableResponse join(String user, String roomId) {
        return as(user).post("/rooms/{id}/join", roomId).then();
    }

    public static ValidatableResponse invite(String host, String roomId, String user) {
        return as(host).body(Map.of("userId", user)).post("/rooms/{id}/invitations", roomId).then();
    }

    public static ValidatableResponse accept(String caller, String roomId, String invitee, boolean consent) {
        return as(caller).body(Map.of("recordingConsent", consent))
                .post("/rooms/{id}/invitations/{user}/accept", roomId, invitee).then();
    }
}
