package dev.reprise.contracts;

import dev.reprise.contracts.recording.RecordingDeleted;
import dev.reprise.contracts.recording.RecordingEdited;
import dev.reprise.contracts.recording.RecordingFinalized;
import dev.reprise.contracts.room.ParticipantJoined;
import dev.reprise.contracts.room.ParticipantLeft;
import dev.reprise.contracts.room.RoomCreated;
import dev.reprise.contracts.room.RoomEnded;
import dev.reprise.contracts.room.RoomStarted;
import dev.reprise.contracts.room.SpeakerAdded;
import dev.reprise.contracts.room.SpeakerConsentChanged;
import dev.reprise.contracts.room.SpeakerInvited;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventCatalogTest {

    private static final Pattern TYPE = Pattern.compile("dev\\.reprise\\.[a-z.]+\\.v[0-9]+");

    @Test
    void publishedTypeStringsAreStable() {
        // Other services and teams depend on these exact strings; changing one is a breaking change.
        Map<EventType<?>, String> expected = Map.ofEntries(
                Map.entry(EventCatalog.ROOM_CREATED, "dev.reprise.room.created.v1"),
                Map.entry(EventCatalog.ROOM_STARTED, "dev.reprise.room.started.v1"),
                Map.entry(EventCatalog.PARTICIPANT_JOINED, "dev.reprise.room.participant.joined.v1"),
                Map.entry(EventCatalog.SPEAKER_INVITED, "dev.reprise.room.speaker.invited.v1"),
                Map.entry(EventCatalog.SPEAKER_ADDED, "dev.reprise.room.speaker.added.v1"),
                Map.entry(EventCatalog.SPEAKER_CONSENT_CHANGED, "dev.reprise.room.speaker.consent.changed.v1"),
                Map.entry(EventCatalog.PARTICIPANT_LEFT, "dev.reprise.room.participant.left.v1"),
                Map.entry(EventCatalog.ROOM_ENDED, "dev.reprise.room.ended.v1"),
                Map.entry(EventCatalog.RECORDING_FINALIZED, "dev.reprise.recording.finalized.v1"),
                Map.entry(EventCatalog.RECORDING_EDITED, "dev.reprise.recording.edited.v1"),
                Map.entry(EventCatalog.RECORDING_DELETED, "dev.reprise.recording.deleted.v1"));
        expected.forEach((eventType, type) -> assertEquals(type, eventType.type()));
        assertEquals(RoomCreated.class, EventCatalog.ROOM_CREATED.dataClass());
        assertEquals(RoomStarted.class, EventCatalog.ROOM_STARTED.dataClass());
        assertEquals(ParticipantJoined.class, EventCatalog.PARTICIPANT_JOINED.dataClass());
        assertEquals(SpeakerInvited.class, EventCatalog.SPEAKER_INVITED.dataClass());
        assertEquals(SpeakerAdded.class, EventCatalog.SPEAKER_ADDED.dataClass());
        assertEquals(SpeakerConsentChanged.class, EventCatalog.SPEAKER_CONSENT_CHANGED.dataClass());
        assertEquals(ParticipantLeft.class, EventCatalog.PARTICIPANT_LEFT.dataClass());
        assertEquals(RoomEnded.class, EventCatalog.ROOM_ENDED.dataClass());
        assertEquals(RecordingFinalized.class, EventCatalog.RECORDING_FINALIZED.dataClass());
        assertEquals(RecordingEdited.class, EventCatalog.RECORDING_EDITED.dataClass());
        assertEquals(RecordingDeleted.class, EventCatalog.RECORDING_DELETED.dataClass());
        assertEquals("schemas/room/room.created.v1.json", EventCatalog.ROOM_CREATED.schemaResource());
        assertEquals("schemas/recording/recording.finalized.v1.json", EventCatalog.RECORDING_FINALIZED.schemaResource());
        assertEquals("schemas/recording/recording.edited.v1.json", EventCatalog.RECORDING_EDITED.schemaResource());
        assertEquals("schemas/recording/recording.deleted.v1.json", EventCatalog.RECORDING_DELETED.schemaResource());
        assertEquals(Set.copyOf(EventCatalog.all()), expected.keySet(), "every catalogued type is pinned here");
    }

    @Test
    void allListsEveryEventTypeConstant() throws IllegalAccessException {
        List<EventType<?>> constants = new ArrayList<>();
        for (Field field : EventCatalog.class.getDeclaredFields()) {
            int modifiers = field.getModifiers();
            if (field.getType() == EventType.class && Modifier.isPublic(modifiers)) {
                assertTrue(Modifier.isStatic(modifiers) && Modifier.isFinal(modifiers), field + " must be static final");
                constants.add((EventType<?>) field.get(null));
            }
        }
        assertFalse(constants.isEmpty());
        assertEquals(Set.copyOf(constants), Set.copyOf(EventCatalog.all()), "all() vs public EventType constants");
        assertEquals(constants.size(), EventCatalog.all().size(), "all() has duplicates");
    }

    @Test
    void allIsUnmodifiable() {
        assertThrows(UnsupportedOperationException.class, () -> EventCatalog.all().add(EventCatalog.ROOM_CREATED));
    }

    @Test
    void typeStringsAreUniqueAndWellFormed() {
        Set<String> types = new HashSet<>();
        Set<String> schemas = new HashSet<>();
        Set<Class<?>> dataClasses = new HashSet<>();
        for (EventType<?> t : EventCatalog.all()) {
            assertTrue(TYPE.matcher(t.type()).matches(), t.type() + " must match " + TYPE);
            assertFalse(t.type().contains(".."), t.type());
            assertTrue(types.add(t.type()), "duplicate type " + t.type());
            assertTrue(schemas.add(t.schemaResource()), "duplicate schema " + t.schemaResource());
            assertTrue(dataClasses.add(t.dataClass()), "duplicate data class " + t.dataClass());
        }
    }

    @Test
    void namingConventions() {
        for (EventType<?> t : EventCatalog.all()) {
            // dev.reprise.<domain>.<what>.v<N>: the domain is the topic, the package and the schema folder.
            String withoutPrefix = t.type().substring("dev.reprise.".length());
            String domain = withoutPrefix.substring(0, withoutPrefix.indexOf('.'));
            assertEquals(t.topic().name().toLowerCase(Locale.ROOT), domain, t.type() + ": topic");
            assertEquals("schemas/" + domain + "/" + withoutPrefix + ".json", t.schemaResource(), t.type() + ": schema file");
            assertEquals("dev.reprise.contracts." + domain, t.dataClass().getPackageName(), t.type() + ": package");
            assertTrue(t.dataClass().isRecord(), t.dataClass() + " must be a record");
            assertEquals(Integer.parseInt(t.type().substring(t.type().lastIndexOf('v') + 1)), t.version());
        }
    }

    @Test
    void roomEventsGoToTheRoomTopic() {
        for (EventType<?> t : EventCatalog.all()) {
            if (t.type().startsWith("dev.reprise.room.")) {
                assertSame(Topic.ROOM, t.topic(), t.type());
            }
        }
        assertEquals(8, EventCatalog.onTopic(Topic.ROOM).size());
        assertTrue(EventCatalog.onTopic(Topic.CLIP).isEmpty());
    }

    @Test
    void recordingEventsGoToTheRecordingTopic() {
        for (EventType<?> t : EventCatalog.all()) {
            if (t.type().startsWith("dev.reprise.recording.")) {
                assertSame(Topic.RECORDING, t.topic(), t.type());
            }
        }
        assertEquals(List.of(EventCatalog.RECORDING_FINALIZED, EventCatalog.RECORDING_EDITED,
                EventCatalog.RECORDING_DELETED), EventCatalog.onTopic(Topic.RECORDING));
    }

    @Test
    void byTypeFindsEveryType() {
        for (EventType<?> t : EventCatalog.all()) {
            assertSame(t, EventCatalog.byType(t.type()).orElseThrow(), t.type());
        }
        assertSame(EventCatalog.SPEAKER_ADDED, EventCatalog.byType("dev.reprise.room.speaker.added.v1").orElseThrow());
    }

    @Test
    void byTypeIsEmptyForUnknownTypes() {
        assertTrue(EventCatalog.byType("dev.reprise.room.created.v2").isEmpty());
        assertTrue(EventCatalog.byType("DEV.REPRISE.ROOM.CREATED.V1").isEmpty());
        assertTrue(EventCatalog.byType("dev.reprise.room.created.v1 ").isEmpty());
        assertTrue(EventCatalog.byType("").isEmpty());
        assertTrue(EventCatalog.byType(null).isEmpty());
    }

    @Test
    void eventTypeRejectsMalformedDefinitions() {
        assertThrows(IllegalArgumentException.class,
                () -> new EventType<>("room.created", Topic.ROOM, RoomCreated.class, "schemas/room/x.v1.json"));
        assertThrows(IllegalArgumentException.class,
                () -> new EventType<>("dev.reprise.room.created.V1", Topic.ROOM, RoomCreated.class, "schemas/room/x.v1.json"));
        assertThrows(IllegalArgumentException.class,
                () -> new EventType<>("dev.reprise.room.created.v1", Topic.ROOM, RoomCreated.class, "/schemas/room/x.v1.json"));
        assertThrows(NullPointerException.class,
                () -> new EventType<>("dev.reprise.room.created.v1", null, RoomCreated.class, "schemas/room/x.v1.json"));
    }
}
