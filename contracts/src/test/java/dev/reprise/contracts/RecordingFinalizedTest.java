package dev.reprise.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import dev.reprise.contracts.recording.RecordingFile;
import dev.reprise.contracts.recording.RecordingFileKind;
import dev.reprise.contracts.recording.RecordingFinalized;
import dev.reprise.contracts.recording.SpeakerTimeline;
import dev.reprise.contracts.recording.VoiceInterval;
import dev.reprise.contracts.room.RetentionPolicy;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The invariants of {@link RecordingFinalized} beyond non-null (the generic contract tests cover the rest): the
 * record, the schema and {@link EventJson} all reject what breaks them.
 */
class RecordingFinalizedTest {

    private static final UUID RECORDING = UUID.fromString("9b1f6a52-0c3e-4d8a-b7e1-2f4a5c6d7e80");
    private static final UUID ROOM = UUID.fromString("3f2b8c1e-9a4d-4e57-8f0a-6c1d2e3b4a5f");
    private static final Instant STARTED = Instant.parse("2025-03-01T18:30:00Z");
    private static final Instant ENDED = Instant.parse("2025-03-01T19:30:00Z");
    private static final Instant FINALIZED = Instant.parse("2025-03-01T19:31:30Z");

    private static final String PAYLOAD = """
            {"recordingId":"9b1f6a52-0c3e-4d8a-b7e1-2f4a5c6d7e80","roomId":"3f2b8c1e-9a4d-4e57-8f0a-6c1d2e3b4a5f",
             "hostId":"host-1","version":1,"startedAt":"2025-03-01T18:30:00Z","endedAt":"2025-03-01T19:30:00Z",
             "durationMs":3600000,"loudnessLufs":-16.0,"retentionPolicy":"SAVED","bucket":"reprise-recording",
             "files":[
               {"name":"mix.mp3","kind":"MIX","objectKey":"rooms/r/v1/mix.mp3","contentType":"audio/mpeg","bytes":57600000},
               {"name":"track-u-2.ogg","kind":"TRACK","speakerId":"u-2","objectKey":"rooms/r/v1/track-u-2.ogg",
                "contentType":"audio/ogg","bytes":12000000},
               {"name":"timeline.json","kind":"TIMELINE","speakerId":null,"objectKey":"rooms/r/v1/timeline.json",
                "contentType":"application/json","bytes":2048},
               {"name":"peaks.bin","kind":"PEAKS","objectKey":"rooms/r/v1/peaks.bin",
                "contentType":"application/octet-stream","bytes":72000}],
             "speakers":[
               {"speakerId":"u-2","intervals":[{"startMs":0,"endMs":1500},{"startMs":2000,"endMs":3600000}]},
               {"speakerId":"u-3","intervals":[]}],
             "finalizedAt":"2025-03-01T19:31:30Z"}""";

    private static final JsonSchema SCHEMA = SchemaSupport.validator(EventCatalog.RECORDING_FINALIZED.schemaResource());

    private static RecordingFile file(RecordingFileKind kind, String speakerId) {
        return new RecordingFile("f", kind, speakerId, "key", "audio/mpeg", 1);
    }

    private static RecordingFinalized finalized(List<RecordingFile> files, List<SpeakerTimeline> speakers) {
        return new RecordingFinalized(RECORDING, ROOM, "host-1", 1, STARTED, ENDED, 3_600_000, -16.0,
                RetentionPolicy.SAVED, "reprise-recording", files, speakers, FINALIZED);
    }

    @Test
    void readsAnExactPayload() {
        RecordingFinalized expected = new RecordingFinalized(RECORDING, ROOM, "host-1", 1, STARTED, ENDED, 3_600_000,
                -16.0, RetentionPolicy.SAVED, "reprise-recording",
                List.of(new RecordingFile("mix.mp3", RecordingFileKind.MIX, null, "rooms/r/v1/mix.mp3", "audio/mpeg",
                                57_600_000),
                        new RecordingFile("track-u-2.ogg", RecordingFileKind.TRACK, "u-2", "rooms/r/v1/track-u-2.ogg",
                                "audio/ogg", 12_000_000),
                        new RecordingFile("timeline.json", RecordingFileKind.TIMELINE, null, "rooms/r/v1/timeline.json",
                                "application/json", 2048),
                        new RecordingFile("peaks.bin", RecordingFileKind.PEAKS, null, "rooms/r/v1/peaks.bin",
                                "application/octet-stream", 72_000)),
                List.of(new SpeakerTimeline("u-2", List.of(new VoiceInterval(0, 1500), new VoiceInterval(2000, 3_600_000))),
                        new SpeakerTimeline("u-3", List.of())),
                FINALIZED);
        JsonNode tree = SchemaSupport.tree(utf8(PAYLOAD));
        assertTrue(SCHEMA.validate(tree).isEmpty(), () -> SCHEMA.validate(tree).toString());
        assertEquals(expected, EventJson.read(utf8(PAYLOAD), EventCatalog.RECORDING_FINALIZED));
        // What a producer writes validates too, and omits the absent speakerIds.
        JsonNode written = SchemaSupport.tree(EventJson.write(expected));
        assertTrue(SCHEMA.validate(written).isEmpty(), () -> SCHEMA.validate(written).toString());
        assertFalse(written.get("files").get(0).has("speakerId"), written.toString());
        assertEquals(-16.0, written.get("loudnessLufs").asDouble());
    }

    @Test
    void speakerIdIsPresentExactlyForTracks() {
        assertEquals("u-2", file(RecordingFileKind.TRACK, "u-2").speakerId());
        for (RecordingFileKind kind : RecordingFileKind.values()) {
            if (kind == RecordingFileKind.TRACK) {
                assertThrows(IllegalArgumentException.class, () -> file(kind, null), "TRACK without speakerId");
            } else {
                assertNull(file(kind, null).speakerId());
                assertThrows(IllegalArgumentException.class, () -> file(kind, "u-2"), kind + " with a speakerId");
            }
        }
        assertRejected(root -> ((ObjectNode) root.get("files").get(1)).remove("speakerId"), "TRACK without speakerId");
        assertRejected(root -> ((ObjectNode) root.get("files").get(1)).putNull("speakerId"), "TRACK with null speakerId");
        assertRejected(root -> ((ObjectNode) root.get("files").get(0)).put("speakerId", "u-2"), "MIX with a speakerId");
        assertRejected(root -> ((ObjectNode) root.get("files").get(3)).put("speakerId", "u-2"), "PEAKS with a speakerId");
    }

    @Test
    void voiceIntervalsAreNonEmptyAndStartAtZeroOrLater() {
        assertEquals(new VoiceInterval(0, 1), new VoiceInterval(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new VoiceInterval(-1, 10));
        assertThrows(IllegalArgumentException.class, () -> new VoiceInterval(10, 10));
        assertThrows(IllegalArgumentException.class, () -> new VoiceInterval(10, 5));
        assertRejected(root -> interval(root).put("startMs", -1), "negative startMs");
        assertRejected(root -> interval(root).put("endMs", 0), "endMs 0");
        // endMs <= startMs cannot be expressed in JSON Schema; EventJson rejects it.
        byte[] reversed = mutated(root -> interval(root).put("startMs", 1500).put("endMs", 1000));
        assertThrows(EventJson.MalformedEventException.class, () -> EventJson.read(reversed, RecordingFinalized.class));
    }

    @Test
    void aRecordingHasAtLeastOneFile() {
        assertThrows(IllegalArgumentException.class, () -> finalized(List.of(), List.of()));
        assertEquals(List.of(), finalized(List.of(file(RecordingFileKind.MIX, null)), List.of()).speakers());
        assertRejected(root -> root.putArray("files"), "no files");
    }

    @Test
    void numbersAndTimesAreChecked() {
        List<RecordingFile> files = List.of(file(RecordingFileKind.MIX, null));
        List<SpeakerTimeline> none = List.of();
        assertThrows(IllegalArgumentException.class, () -> new RecordingFinalized(RECORDING, ROOM, "h", 0, STARTED,
                ENDED, 1, -16, RetentionPolicy.SAVED, "b", files, none, FINALIZED), "version 0");
        assertThrows(IllegalArgumentException.class, () -> new RecordingFinalized(RECORDING, ROOM, "h", 1, ENDED,
                STARTED, 1, -16, RetentionPolicy.SAVED, "b", files, none, FINALIZED), "endedAt before startedAt");
        assertThrows(IllegalArgumentException.class, () -> new RecordingFinalized(RECORDING, ROOM, "h", 1, STARTED,
                ENDED, -1, -16, RetentionPolicy.SAVED, "b", files, none, FINALIZED), "negative durationMs");
        for (double loudness : new double[] {Double.NaN, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class, () -> new RecordingFinalized(RECORDING, ROOM, "h", 1, STARTED,
                    ENDED, 1, loudness, RetentionPolicy.SAVED, "b", files, none, FINALIZED), "loudness " + loudness);
        }
        assertThrows(IllegalArgumentException.class,
                () -> new RecordingFile("f", RecordingFileKind.MIX, null, "k", "audio/mpeg", -1), "negative bytes");
        assertRejected(root -> root.put("version", 0), "version 0");
        assertRejected(root -> root.put("durationMs", -1), "negative durationMs");
        assertRejected(root -> root.put("loudnessLufs", "NaN"), "NaN loudness");
        assertRejected(root -> ((ObjectNode) root.get("files").get(0)).put("bytes", -1), "negative bytes");
    }

    @Test
    void listsAreImmutableCopies() {
        List<RecordingFile> files = new ArrayList<>(List.of(file(RecordingFileKind.MIX, null)));
        List<VoiceInterval> intervals = new ArrayList<>(List.of(new VoiceInterval(0, 10)));
        SpeakerTimeline timeline = new SpeakerTimeline("u-2", intervals);
        RecordingFinalized recording = finalized(files, new ArrayList<>(List.of(timeline)));
        files.clear();
        intervals.clear();
        assertEquals(1, recording.files().size());
        assertEquals(1, timeline.intervals().size());
        assertThrows(UnsupportedOperationException.class, () -> recording.files().clear());
        assertThrows(UnsupportedOperationException.class, () -> recording.speakers().clear());
        assertThrows(UnsupportedOperationException.class, () -> timeline.intervals().clear());
        List<RecordingFile> withNull = new ArrayList<>();
        withNull.add(null);
        assertThrows(NullPointerException.class, () -> finalized(withNull, List.of()));
    }

    // ---------------------------------------------------------------- helpers

    private static ObjectNode interval(ObjectNode root) {
        return (ObjectNode) root.get("speakers").get(0).get("intervals").get(0);
    }

    private static byte[] mutated(Consumer<ObjectNode> change) {
        ObjectNode root = (ObjectNode) SchemaSupport.tree(utf8(PAYLOAD));
        change.accept(root);
        return SchemaSupport.bytes(root);
    }

    /** The schema rejects the changed payload, and so does EventJson.read (whose record constructors check the same). */
    private static void assertRejected(Consumer<ObjectNode> change, String what) {
        byte[] json = mutated(change);
        assertFalse(SCHEMA.validate(SchemaSupport.tree(json)).isEmpty(), "schema accepted " + what);
        assertThrows(EventJson.MalformedEventException.class,
                () -> EventJson.read(json, RecordingFinalized.class), "EventJson.read accepted " + what);
    }

    private static byte[] utf8(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
