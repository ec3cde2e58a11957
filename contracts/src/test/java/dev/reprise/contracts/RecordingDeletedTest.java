package dev.reprise.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import dev.reprise.contracts.recording.DeletionReason;
import dev.reprise.contracts.recording.RecordingDeleted;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An exact {@link RecordingDeleted} payload for each reason (the generic contract tests cover the rest). */
class RecordingDeletedTest {

    private static final JsonSchema SCHEMA = SchemaSupport.validator(EventCatalog.RECORDING_DELETED.schemaResource());

    @Test
    void readsAnExactPayloadForEachReason() {
        // The constants, in order, are part of the contract: consumers decide what to do with clips on them.
        assertEquals(List.of("HOST_DELETED", "RETENTION_EXPIRED", "EPHEMERAL"),
                List.of(DeletionReason.values()).stream().map(Enum::name).toList());
        for (DeletionReason reason : DeletionReason.values()) {
            String payload = """
                    {"recordingId":"9b1f6a52-0c3e-4d8a-b7e1-2f4a5c6d7e80","roomId":"3f2b8c1e-9a4d-4e57-8f0a-6c1d2e3b4a5f",
                     "hostId":"host-1","reason":"%s","deletedAt":"2025-03-31T19:31:30Z"}""".formatted(reason.name());
            byte[] json = payload.getBytes(StandardCharsets.UTF_8);
            JsonNode tree = SchemaSupport.tree(json);
            assertTrue(SCHEMA.validate(tree).isEmpty(), () -> SCHEMA.validate(tree).toString());
            RecordingDeleted expected = new RecordingDeleted(UUID.fromString("9b1f6a52-0c3e-4d8a-b7e1-2f4a5c6d7e80"),
                    UUID.fromString("3f2b8c1e-9a4d-4e57-8f0a-6c1d2e3b4a5f"), "host-1", reason,
                    Instant.parse("2025-03-31T19:31:30Z"));
            assertEquals(expected, EventJson.read(json, EventCatalog.RECORDING_DELETED));
            assertEquals(tree, SchemaSupport.tree(EventJson.write(expected)), "written back unchanged");
        }
    }
}
