package dev.reprise.stack.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.reprise.contracts.EventType;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates event data read off Kafka against the contract's published JSON Schema, as a consuming
 * team would. Schemas come from the contracts jar; their {@code $id}s are never fetched.
 */
public final class EventSchemas {

    private static final String ID_BASE = "https://reprise.dev/schemas/";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            builder -> builder.schemaMappers(mappers -> mappers.mapPrefix(ID_BASE, "classpath:schemas/")));
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder()
            .formatAssertionsEnabled(true).build();
    private static final Map<String, JsonSchema> SCHEMAS = new ConcurrentHashMap<>();

    private EventSchemas() {
    }

    /** The schema violations of {@code json} as data of {@code type}; empty when it conforms. */
    public static List<String> violations(EventType<?> type, byte[] json) {
        JsonNode data;
        try {
            data = JSON.readTree(json);
        } catch (IOException e) {
            return List.of("not JSON: " + e.getMessage());
        }
        JsonSchema schema = SCHEMAS.computeIfAbsent(type.schemaResource(), resource -> FACTORY.getSchema(
                SchemaLocation.of(ID_BASE + resource.substring("schemas/".length())), CONFIG));
        return schema.validate(data).stream().map(ValidationMessage::getMessage).sorted().toList();
    }
}
