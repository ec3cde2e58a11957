package dev.reprise.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import dev.reprise.contracts.recording.KeptRange;
import dev.reprise.contracts.recording.RecordingEdited;
import dev.reprise.contracts.recording.RecordingFile;
import dev.reprise.contracts.recording.RecordingFileKind;
import dev.reprise.contracts.recording.SpeakerTimeline;
import dev.reprise.contracts.recording.VoiceInterval;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The invariants of {@link RecordingEdited} and {@link KeptRange} beyond non-null (the generic contract tests cover
 * the rest): the records and {@link EventJson} reject what breaks them, and the schema rejects what it can express.
 */
class RecordingEditedTest {

    private static final UUID RECORDING = UUID.fromString("9b1f6a52-0c3e-4d8a-b7e1-2f4a5c6d7e80");
    private static final UUID ROOM = UUID.fromString("3f2b8c1e-9a4d-4e57-8f0a-6c1d2e3b4a5f");
    private static final Instant EDITED = Instant.parse("2025-03-02T10:00:00Z");
    private static final List<RecordingFile> FILES =
            List.of(new RecordingFile("mix.mp3", RecordingFileKind.MIX, null, "rooms/r/v2/mix.mp3", "audio/mpeg", 1));

    // Version 2 of an hour-long recording: the first 30 s trimmed, 10:00-15:00 cut out, the last 5 min trimmed.
    private static final String PAYLOAD = """
            {"recordingId":"9b1f6a52-0c3e-4d8a-b7e1-2f4a5c6d7e80","roomId":"3f2b8c1e-9a4d-4e57-8f0a-6c1d2e3b4a5f",
             "hostId":"host-1","version":2,"sourceVersion":1,
             "keptRanges":[
               {"sourceStartMs":30000,"sourceEndMs":600000,"targetStartMs":0},
               {"sourceStartMs":900000,"sourceEndMs":3300000,"targetStartMs":570000}],
             "durationMs":2970000,"loudnessLufs":-16.0,"bucket":"reprise-recording",
             "files":[
               {"name":"mix.mp3","kind":"MIX","objectKey":"rooms/r/v2/mix.mp3","contentType":"audio/mpeg","bytes":47520000},
               {"name":"track-u-2.ogg","kind":"TRACK","speakerId":"u-2","objectKey":"rooms/r/v2/track-u-2.ogg",
                "contentType":"audio/ogg","bytes":9900000}],
             "speakers":[
               {"speakerId":"u-2","intervals":[{"startMs":0,"endMs":1500},{"startMs":570000,"endMs":2970000}]},
               {"speakerId":"u-3","intervals":[]}],
             "editedAt":"2025-03-02T10:00:00Z"}""";

    private static final JsonSchema SCHEMA = SchemaSupport.validator(EventCatalog.RECORDING_EDITED.schemaResource());

    private static RecordingEdited edited(int version, int sourceVersion, List<KeptRange> keptRanges, long durationMs) {
        return new RecordingEdited(RECORDING, ROOM, "host-1", version, sourceVersion, keptRanges, durationMs, -16.0,
                "reprise-recording", FILES, List.of(), EDITED);
    }

    private static RecordingEdited edited(List<KeptRange> keptRanges, long durationMs) {
        return edited(2, 1, keptRanges, durationMs);
    }

    @Test
    void readsAnExactPayload() {
        RecordingEdited expected = new RecordingEdited(RECORDING, ROOM, "host-1", 2, 1,
                List.of(new KeptRange(30_000, 600_000, 0), new KeptRange(900_000, 3_300_000, 570_000)),
                2_970_000, -16.0, "reprise-recording",
                List.of(new RecordingFile("mix.mp3", RecordingFileKind.MIX, null, "rooms/r/v2/mix.mp3", "audio/mpeg",
                                47_520_000),
                        new RecordingFile("track-u-2.ogg", RecordingFileKind.TRACK, "u-2", "rooms/r/v2/track-u-2.ogg",
                                "audio/ogg", 9_900_000)),
                List.of(new SpeakerTimeline("u-2", List.of(new VoiceInterval(0, 1500), new VoiceInterval(570_000, 2_970_000))),
                        new SpeakerTimeline("u-3", List.of())),
                EDITED);
        JsonNode tree = SchemaSupport.tree(utf8(PAYLOAD));
        assertTrue(SCHEMA.validate(tree).isEmpty(), () -> SCHEMA.validate(tree).toString());
        assertEquals(expected, EventJson.read(utf8(PAYLOAD), EventCatalog.RECORDING_EDITED));
        // What a producer writes validates too, and has exactly the three fields of each kept range (no lengthMs).
        JsonNode written = SchemaSupport.tree(EventJson.write(expected));
        assertTrue(SCHEMA.validate(written).isEmpty(), () -> SCHEMA.validate(written).toString());
        assertEquals(3, written.get("keptRanges").get(1).size(), written.toString());
        assertEquals(2_400_000, expected.keptRanges().get(1).lengthMs());
    }

    @Test
    void aKeptRangeIsANonEmptyStretchAtZeroOrLater() {
        assertEquals(1, new KeptRange(0, 1, 0).lengthMs());
        assertThrows(IllegalArgumentException.class, () -> new KeptRange(-1, 10, 0), "negative sourceStartMs");
        assertThrows(IllegalArgumentException.class, () -> new KeptRange(10, 10, 0), "empty");
        assertThrows(IllegalArgumentException.class, () -> new KeptRange(10, 5, 0), "reversed");
        assertThrows(IllegalArgumentException.class, () -> new KeptRange(0, 10, -1), "negative targetStartMs");
        assertRejected(root -> range(root, 0).put("sourceStartMs", -1), "negative sourceStartMs");
        assertRejected(root -> range(root, 0).put("sourceEndMs", 0), "sourceEndMs 0");
        assertRejected(root -> range(root, 1).put("targetStartMs", -1), "negative targetStartMs");
        // sourceEndMs <= sourceStartMs cannot be expressed in JSON Schema; EventJson rejects it.
        assertReadRejected(root -> range(root, 0).put("sourceStartMs", 600_000).put("sourceEndMs", 30_000), "reversed range");
    }

    @Test
    void anEditKeepsAtLeastOneRange() {
        assertThrows(IllegalArgumentException.class, () -> edited(List.of(), 0));
        assertRejected(root -> root.putArray("keptRanges"), "no kept ranges");
    }

    @Test
    void keptRangesAreInSourceOrderAndDoNotOverlap() {
        // Touching is fine: [0, 10) then [10, 20) keeps 0-20 in two pieces.
        assertEquals(20, edited(List.of(new KeptRange(0, 10, 0), new KeptRange(10, 20, 10)), 20).durationMs());
        assertThrows(IllegalArgumentException.class,
                () -> edited(List.of(new KeptRange(0, 10, 0), new KeptRange(5, 20, 10)), 25), "overlapping");
        assertThrows(IllegalArgumentException.class,
                () -> edited(List.of(new KeptRange(100, 200, 0), new KeptRange(0, 50, 100)), 150), "out of order");
        assertThrows(IllegalArgumentException.class,
                () -> edited(List.of(new KeptRange(0, 10, 0), new KeptRange(0, 10, 10)), 20), "the same range twice");
        assertReadRejected(root -> range(root, 1).put("sourceStartMs", 500_000).put("sourceEndMs", 2_900_000),
                "overlapping ranges");
        assertReadRejected(root -> {
            ArrayNode ranges = (ArrayNode) root.get("keptRanges");
            ranges.insert(0, ranges.remove(1));
            range(root, 0).put("targetStartMs", 0);
            range(root, 1).put("targetStartMs", 2_400_000);
        }, "ranges out of source order");
    }

    @Test
    void keptRangesAreBackToBackFromZeroInTheNewVersion() {
        assertThrows(IllegalArgumentException.class,
                () -> edited(List.of(new KeptRange(0, 10, 5)), 10), "first not at 0");
        assertThrows(IllegalArgumentException.class,
                () -> edited(List.of(new KeptRange(0, 10, 0), new KeptRange(20, 30, 11)), 20), "a gap in the new version");
        assertThrows(IllegalArgumentException.class,
                () -> edited(List.of(new KeptRange(0, 10, 0), new KeptRange(20, 30, 9)), 20), "an overlap in the new version");
        assertReadRejected(root -> range(root, 0).put("targetStartMs", 1), "first range not at 0");
        assertReadRejected(root -> range(root, 1).put("targetStartMs", 570_001), "a gap in the new version");
    }

    @Test
    void durationIsTheSumOfTheKeptLengths() {
        List<KeptRange> ranges = List.of(new KeptRange(30, 60, 0), new KeptRange(100, 110, 30));
        assertEquals(40, edited(ranges, 40).durationMs());
        assertThrows(IllegalArgumentException.class, () -> edited(ranges, 39));
        assertThrows(IllegalArgumentException.class, () -> edited(ranges, 41));
        assertThrows(IllegalArgumentException.class, () -> edited(ranges, 110), "the source end is not the duration");
        assertRejected(root -> root.put("durationMs", 0), "durationMs 0");
        assertReadRejected(root -> root.put("durationMs", 2_970_001), "durationMs not the sum");
    }

    @Test
    void versionsAreChecked() {
        List<KeptRange> ranges = List.of(new KeptRange(0, 10, 0));
        assertEquals(5, edited(7, 5, ranges, 10).sourceVersion(), "cut from an older version than the latest");
        assertThrows(IllegalArgumentException.class, () -> edited(1, 0, ranges, 10), "version 1 is not an edit");
        assertThrows(IllegalArgumentException.class, () -> edited(2, 0, ranges, 10), "sourceVersion 0");
        assertThrows(IllegalArgumentException.class, () -> edited(2, 2, ranges, 10), "sourceVersion = version");
        assertThrows(IllegalArgumentException.class, () -> edited(2, 3, ranges, 10), "sourceVersion > version");
        assertRejected(root -> root.put("version", 1), "version 1");
        assertRejected(root -> root.put("sourceVersion", 0), "sourceVersion 0");
        // sourceVersion < version cannot be expressed in JSON Schema; EventJson rejects it.
        assertReadRejected(root -> root.put("sourceVersion", 2), "sourceVersion = version");
    }

    @Test
    void loudnessAndFilesAreChecked() {
        List<KeptRange> ranges = List.of(new KeptRange(0, 10, 0));
        for (double loudness : new double[] {Double.NaN, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class, () -> new RecordingEdited(RECORDING, ROOM, "h", 2, 1, ranges,
                    10, loudness, "b", FILES, List.of(), EDITED), "loudness " + loudness);
        }
        assertThrows(IllegalArgumentException.class, () -> new RecordingEdited(RECORDING, ROOM, "h", 2, 1, ranges,
                10, -16, "b", List.of(), List.of(), EDITED), "no files");
        assertRejected(root -> root.put("loudnessLufs", "NaN"), "NaN loudness");
        assertRejected(root -> root.putArray("files"), "no files");
    }

    @Test
    void listsAreImmutableCopies() {
        List<KeptRange> ranges = new ArrayList<>(List.of(new KeptRange(0, 10, 0)));
        RecordingEdited recording = edited(ranges, 10);
        ranges.clear();
        assertEquals(1, recording.keptRanges().size());
        assertThrows(UnsupportedOperationException.class, () -> recording.keptRanges().clear());
        assertThrows(UnsupportedOperationException.class, () -> recording.files().clear());
        assertThrows(UnsupportedOperationException.class, () -> recording.speakers().clear());
        List<KeptRange> withNull = new ArrayList<>();
        withNull.add(null);
        assertThrows(NullPointerException.class, () -> edited(withNull, 0));
    }

    // ---------------------------------------------------------------- helpers

    private static ObjectNode range(ObjectNode root, int index) {
        return (ObjectNode) root.get("keptRanges").get(index);
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
                () -> EventJson.read(json, RecordingEdited.class), "EventJson.read accepted " + what);
    }

    /** What the schema cannot express (it accepts the payload), EventJson.read rejects. */
    private static void assertReadRejected(Consumer<ObjectNode> change, String what) {
        byte[] json = mutated(change);
        assertTrue(SCHEMA.validate(SchemaSupport.tree(json)).isEmpty(),
                "the schema is not expected to express " + what + "; move the case to assertRejected");
        assertThrows(EventJson.MalformedEventException.class,
                () -> EventJson.read(json, RecordingEdited.class), "EventJson.read accepted " + what);
    }

    private static byte[] utf8(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
