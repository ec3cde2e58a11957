package dev.reprise.contracts;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.reprise.contracts.room.EndReason;
import dev.reprise.contracts.room.LeaveReason;
import dev.reprise.contracts.room.ParticipantLeft;
import dev.reprise.contracts.room.ParticipantRole;
import dev.reprise.contracts.room.RetentionPolicy;
import dev.reprise.contracts.room.RoomCreated;
import dev.reprise.contracts.room.RoomEnded;
import dev.reprise.contracts.room.RoomSettings;
import dev.reprise.contracts.room.SpeakerAdded;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventJsonTest {

    private static final UUID ROOM = UUID.fromString("3f2b8c1e-9a4d-4e57-8f0a-6c1d2e3b4a5f");
    private static final Instant T = Instant.parse("2025-03-01T18:30:00Z");

    private static byte[] utf8(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void sharedMapperIsConfiguredForEvents() {
        assertSame(EventJson.mapper(), EventJson.mapper());
        assertFalse(EventJson.mapper().isEnabled(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS));
        assertFalse(EventJson.mapper().isEnabled(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES));
    }

    @Test
    void writesInstantsAsIsoStringsAndOmitsNulls() {
        RoomEnded ended = new RoomEnded(ROOM, "host-1", EndReason.HOST_ABSENT, RetentionPolicy.EPHEMERAL, null, T);
        JsonNode json = SchemaSupport.tree(EventJson.write(ended));
        assertTrue(json.get("endedAt").isTextual(), "instant must be a string: " + json);
        assertEquals("2025-03-01T18:30:00Z", json.get("endedAt").asText());
        assertEquals(ROOM.toString(), json.get("roomId").asText());
        assertEquals("HOST_ABSENT", json.get("reason").asText());
        assertFalse(json.has("startedAt"), "null optional fields are omitted: " + json);
    }

    @Test
    void readsAnExactPayload() {
        RoomCreated created = EventJson.read(utf8("""
                {"roomId":"3f2b8c1e-9a4d-4e57-8f0a-6c1d2e3b4a5f","hostId":"host-1","title":"Friday jam",
                 "settings":{"recordingEnabled":true,"transcriptionEnabled":false,"clipsAllowed":true,
                             "retentionPolicy":"SAVED"},
                 "createdAt":"2025-03-01T18:30:00Z"}"""), RoomCreated.class);
        assertEquals(new RoomCreated(ROOM, "host-1", "Friday jam",
                new RoomSettings(true, false, true, RetentionPolicy.SAVED), T), created);
    }

    @Test
    void toleratesUnknownFields() {
        SpeakerAdded added = EventJson.read(utf8("""
                {"roomId":"3f2b8c1e-9a4d-4e57-8f0a-6c1d2e3b4a5f","userId":"u-2","recordingConsent":false,
                 "becameSpeakerAt":"2025-03-01T18:30:00Z","addedInALaterRelease":{"x":1}}"""), SpeakerAdded.class);
        assertEquals(new SpeakerAdded(ROOM, "u-2", false, T), added);
    }

    @Test
    void acceptsRfc3339OffsetsAndFractions() {
        ParticipantLeft left = EventJson.read(utf8("""
                {"roomId":"3f2b8c1e-9a4d-4e57-8f0a-6c1d2e3b4a5f","userId":"u-3","role":"LISTENER","reason":"REMOVED",
                 "removedBy":"host-1","leftAt":"2025-03-01T20:30:00.250+02:00"}"""), ParticipantLeft.class);
        assertEquals(T.plusMillis(250), left.leftAt());
        assertEquals(LeaveReason.REMOVED, left.reason());
        assertEquals(ParticipantRole.LISTENER, left.role());
    }

    @Test
    void optionalFieldsMayBeAbsentOrNull() {
        String base = "{\"roomId\":\"3f2b8c1e-9a4d-4e57-8f0a-6c1d2e3b4a5f\",\"hostId\":\"h\",\"reason\":\"HOST_ENDED\","
                + "\"retentionPolicy\":\"MODERATION_30D\",\"endedAt\":\"2025-03-01T18:30:00Z\"";
        assertNull(EventJson.read(utf8(base + "}"), RoomEnded.class).startedAt());
        assertNull(EventJson.read(utf8(base + ",\"startedAt\":null}"), RoomEnded.class).startedAt());
        assertEquals(T, EventJson.read(utf8(base + ",\"startedAt\":\"2025-03-01T18:30:00Z\"}"), RoomEnded.class).startedAt());
    }

    @Test
    void rejectsMalformedInput() {
        String valid = "{\"roomId\":\"3f2b8c1e-9a4d-4e57-8f0a-6c1d2e3b4a5f\",\"userId\":\"u\",\"recordingConsent\":true,"
                + "\"becameSpeakerAt\":\"2025-03-01T18:30:00Z\"}";
        assertEquals(new SpeakerAdded(ROOM, "u", true, T), EventJson.read(utf8(valid), SpeakerAdded.class));

        String[] malformed = {
            "",
            "not json",
            "null",
            "[]",
            "\"a string\"",
            valid + "{}",                                                    // trailing content
            valid.replace("\"recordingConsent\":true,", ""),                 // missing boolean (would default to false)
            valid.replace("\"recordingConsent\":true", "\"recordingConsent\":null"),
            valid.replace("\"userId\":\"u\",", ""),                          // missing required
            valid.replace("\"userId\":\"u\"", "\"userId\":null"),
            valid.replace("3f2b8c1e-9a4d-4e57-8f0a-6c1d2e3b4a5f", "room-1"), // not a UUID
            valid.replace("2025-03-01T18:30:00Z", "yesterday"),
            valid.substring(0, valid.length() - 5),                          // truncated
        };
        for (String json : malformed) {
            EventJson.MalformedEventException e = assertThrows(EventJson.MalformedEventException.class,
                    () -> EventJson.read(utf8(json), SpeakerAdded.class), json);
            assertEquals(SpeakerAdded.class, e.targetType());
            assertTrue(e.getMessage().contains("SpeakerAdded"), e.getMessage());
        }
        assertThrows(EventJson.MalformedEventException.class, () -> EventJson.read(null, SpeakerAdded.class));
    }

    @Test
    void rejectsUnknownEnumConstantsNamingTheField() {
        String json = "{\"roomId\":\"3f2b8c1e-9a4d-4e57-8f0a-6c1d2e3b4a5f\",\"hostId\":\"h\",\"reason\":\"MODERATOR_ENDED\","
                + "\"retentionPolicy\":\"SAVED\",\"endedAt\":\"2025-03-01T18:30:00Z\"}";
        EventJson.MalformedEventException e = assertThrows(EventJson.MalformedEventException.class,
                () -> EventJson.read(utf8(json), RoomEnded.class));
        assertTrue(e.getMessage().contains("MODERATOR_ENDED") && e.getMessage().contains("(at reason)"), e.getMessage());
    }

    @Test
    void errorNamesTheNestedField() {
        String json = "{\"roomId\":\"3f2b8c1e-9a4d-4e57-8f0a-6c1d2e3b4a5f\",\"hostId\":\"h\",\"title\":\"t\","
                + "\"settings\":{\"recordingEnabled\":true,\"transcriptionEnabled\":true,\"clipsAllowed\":true,"
                + "\"retentionPolicy\":\"FOREVER\"},\"createdAt\":\"2025-03-01T18:30:00Z\"}";
        EventJson.MalformedEventException e = assertThrows(EventJson.MalformedEventException.class,
                () -> EventJson.read(utf8(json), RoomCreated.class));
        assertTrue(e.getMessage().contains("(at settings.retentionPolicy)"), e.getMessage());
    }

    @Test
    void readByEventType() {
        RoomEnded ended = new RoomEnded(ROOM, "h", EndReason.HOST_ENDED, RetentionPolicy.SAVED, T, T.plusSeconds(60));
        RoomEnded back = EventJson.read(EventJson.write(ended), EventCatalog.ROOM_ENDED);
        assertEquals(ended, back);
    }

    @Test
    void writeRejectsNull() {
        assertThrows(NullPointerException.class, () -> EventJson.write(null));
    }
}
