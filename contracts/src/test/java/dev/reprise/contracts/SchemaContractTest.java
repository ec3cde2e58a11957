package dev.reprise.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.ValidationMessage;
import dev.reprise.contracts.SchemaSupport.Located;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import static dev.reprise.contracts.SchemaSupport.resolve;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Keeps every event's JSON Schema in step with its Java record, and proves the schemas (validated with a real
 * JSON Schema 2020-12 validator) accept what {@link EventJson} writes and reject broken payloads.
 */
class SchemaContractTest {

    /** Counts the broken-payload cases actually exercised, so a refactoring cannot silently test nothing. */
    private static final AtomicInteger ENUM_CASES = new AtomicInteger();
    private static final AtomicInteger NESTED_CASES = new AtomicInteger();

    @TestFactory
    Stream<DynamicContainer> everyEventType() {
        return EventCatalog.all().stream().map(t -> dynamicContainer(t.type(), List.<DynamicNode>of(
                dynamicTest("schema resource exists and is well formed", () -> schemaHeader(t)),
                dynamicTest("schema properties, required and types match the record", () -> schemaMatchesRecord(t)),
                dynamicTest("EventJson output validates and round-trips", () -> samplesValidateAndRoundTrip(t)),
                dynamicTest("a missing or null required field is rejected", () -> missingRequiredRejected(t)),
                dynamicTest("an extra field is rejected by the schema, ignored by EventJson", () -> extraFieldRejected(t)),
                dynamicTest("an unknown enum value is rejected", () -> wrongEnumRejected(t)),
                dynamicTest("a malformed uuid or date-time is rejected", () -> wrongFormatRejected(t)),
                dynamicTest("a wrong JSON type is rejected", () -> wrongJsonTypeRejected(t)))));
    }

    // ---------------------------------------------------------------- schema vs. record

    private static void schemaHeader(EventType<?> t) {
        assertTrue(SchemaSupport.exists(t.schemaResource()), "missing schema resource " + t.schemaResource());
        JsonNode schema = SchemaSupport.load(t.schemaResource());
        assertAll(
                () -> assertEquals(SchemaSupport.DRAFT_2020_12, schema.path("$schema").asText(), "$schema"),
                () -> assertEquals(SchemaSupport.ID_BASE + t.schemaResource().substring("schemas/".length()),
                        schema.path("$id").asText(), "$id must mirror the class path location"),
                () -> assertEquals(t.dataClass().getSimpleName(), schema.path("title").asText(), "title"),
                () -> assertFalse(schema.path("description").asText().isBlank(), "description"),
                () -> assertTrue(schema.path("description").asText().contains(t.type()),
                        "description should name the ce_type " + t.type()));
    }

    private static void schemaMatchesRecord(EventType<?> t) {
        assertRecordMatches(t.dataClass(), new Located(t.schemaResource(), SchemaSupport.load(t.schemaResource())),
                t.dataClass().getSimpleName());
    }

    private static void assertRecordMatches(Class<?> type, Located schema, String where) {
        assertTrue(type.isRecord(), where + ": " + type.getName() + " must be a record");
        Located resolved = resolve(schema);
        JsonNode node = resolved.node();
        assertEquals("object", node.path("type").asText(), where + ": JSON type");
        assertTrue(node.path("additionalProperties").isBoolean() && !node.path("additionalProperties").asBoolean(),
                where + ": additionalProperties must be false");

        RecordComponent[] components = type.getRecordComponents();
        Set<String> componentNames = Arrays.stream(components).map(RecordComponent::getName)
                .collect(Collectors.toCollection(LinkedHashSet::new));
        Set<String> requiredComponents = Arrays.stream(components).filter(c -> !Samples.isNullable(c))
                .map(RecordComponent::getName).collect(Collectors.toCollection(LinkedHashSet::new));
        assertEquals(componentNames, fieldNames(node.path("properties")), where + ": properties vs record components");
        assertEquals(requiredComponents, texts(node.path("required")), where + ": required vs non-@Nullable components");

        for (RecordComponent c : components) {
            JsonNode property = node.path("properties").path(c.getName());
            String at = where + "." + c.getName();
            assertFalse(property.path("description").asText().isBlank(), at + ": every field needs a description");
            assertTypeMatches(c.getGenericType(), Samples.isNullable(c), new Located(resolved.resource(), property), at);
        }
    }

    private static void assertTypeMatches(Type javaType, boolean nullable, Located property, String where) {
        Class<?> raw = javaType instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) javaType;
        if (nullable && property.node().has("$ref")) {
            fail(where + ": a @Nullable field with a $ref needs an anyOf with {\"type\": \"null\"}; extend this test");
        }
        Located resolved = resolve(property);
        JsonNode node = resolved.node();
        String jsonType = jsonType(raw, where);
        Set<String> expectedTypes = nullable ? Set.of(jsonType, "null") : Set.of(jsonType);
        assertEquals(expectedTypes, typeSet(node.path("type")), where + ": JSON type of " + javaType.getTypeName()
                + (nullable ? " (@Nullable, so also null)" : ""));

        String format = node.path("format").asText(null);
        if (raw == UUID.class) {
            assertEquals("uuid", format, where + ": format");
        } else if (raw == Instant.class) {
            assertEquals("date-time", format, where + ": format");
        } else if (raw == String.class) {
            assertFalse("uuid".equals(format), where + ": a uuid field must be a UUID in Java");
            assertFalse("date-time".equals(format), where + ": a date-time field must be an Instant in Java");
        } else if (raw.isEnum()) {
            List<String> constants = Arrays.stream(raw.getEnumConstants()).map(e -> ((Enum<?>) e).name()).toList();
            assertEquals(constants, new ArrayList<>(texts(node.path("enum"))), where + ": enum values vs " + raw.getSimpleName());
        } else if (raw.isRecord()) {
            assertRecordMatches(raw, resolved, where);
        } else if (raw == List.class) {
            Type item = ((ParameterizedType) javaType).getActualTypeArguments()[0];
            assertTypeMatches(item, false, new Located(resolved.resource(), node.path("items")), where + "[]");
        }
    }

    private static String jsonType(Class<?> raw, String where) {
        if (raw == UUID.class || raw == Instant.class || raw == String.class || raw.isEnum()) {
            return "string";
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return "boolean";
        }
        if (raw == int.class || raw == Integer.class || raw == long.class || raw == Long.class) {
            return "integer";
        }
        if (raw == double.class || raw == Double.class) {
            return "number";
        }
        if (raw.isRecord()) {
            return "object";
        }
        if (raw == List.class) {
            return "array";
        }
        return fail(where + ": no JSON mapping for " + raw.getName() + "; extend this test");
    }

    // ---------------------------------------------------------------- validation with a real validator

    private static void samplesValidateAndRoundTrip(EventType<?> t) {
        JsonSchema validator = SchemaSupport.validator(t.schemaResource());
        int variants = Samples.variantsFor(t.dataClass());
        for (boolean withOptionals : new boolean[] {true, false}) {
            for (int variant = 0; variant < variants; variant++) {
                Object sample = Samples.record(t.dataClass(), withOptionals, variant);
                byte[] json = EventJson.write(sample);
                assertValid(validator, SchemaSupport.tree(json), sample.toString());
                assertEquals(sample, EventJson.read(json, t.dataClass()), "round trip of " + sample);
                assertEquals(sample, EventJson.read(json, t), "round trip via EventType of " + sample);
            }
        }
        // Optional fields may also be sent as an explicit null (other producers, other languages).
        Object withoutOptionals = Samples.record(t.dataClass(), false, 0);
        ObjectNode explicitNulls = tree(withoutOptionals);
        for (RecordComponent c : t.dataClass().getRecordComponents()) {
            if (Samples.isNullable(c)) {
                assertFalse(explicitNulls.has(c.getName()), "EventJson must omit null " + c.getName());
                explicitNulls.putNull(c.getName());
            }
        }
        assertValid(validator, explicitNulls, "explicit nulls");
        assertEquals(withoutOptionals, EventJson.read(SchemaSupport.bytes(explicitNulls), t.dataClass()));
    }

    private static void missingRequiredRejected(EventType<?> t) {
        JsonSchema validator = SchemaSupport.validator(t.schemaResource());
        List<FieldPath> required = fieldPaths(t.dataClass(), List.of()).stream().filter(f -> !f.nullable()).toList();
        assertFalse(required.isEmpty(), "no required fields?");
        for (FieldPath field : required) {
            ObjectNode missing = sampleTree(t);
            field.parentIn(missing).remove(field.name());
            assertRejected(validator, missing, t, "required", "without " + field);

            ObjectNode nulled = sampleTree(t);
            field.parentIn(nulled).putNull(field.name());
            assertRejected(validator, nulled, t, null, field + " = null");
        }
    }

    private static void extraFieldRejected(EventType<?> t) {
        JsonSchema validator = SchemaSupport.validator(t.schemaResource());
        Object sample = Samples.record(t.dataClass(), true, 0);
        List<List<String>> objects = new ArrayList<>();
        objects.add(List.of());
        for (FieldPath f : fieldPaths(t.dataClass(), List.of())) {
            if (f.type().isRecord()) {
                objects.add(f.path());
            } else if (f.itemType() != null && f.itemType().isRecord()) {
                objects.add(f.itemPath());
            }
        }
        for (List<String> objectPath : objects) {
            ObjectNode extra = tree(sample);
            FieldPath.at(extra, objectPath).put("unexpectedField", "x");
            if (!objectPath.isEmpty()) {
                NESTED_CASES.incrementAndGet();
            }
            Set<ValidationMessage> errors = validator.validate(extra);
            assertTrue(errors.stream().anyMatch(m -> "additionalProperties".equals(m.getType())),
                    "schema must reject an extra field at /" + String.join("/", objectPath) + ", got " + errors);
            // Consumers tolerate additive changes: EventJson ignores the unknown field.
            assertEquals(sample, EventJson.read(SchemaSupport.bytes(extra), t.dataClass()));
        }
    }

    private static void wrongEnumRejected(EventType<?> t) {
        JsonSchema validator = SchemaSupport.validator(t.schemaResource());
        for (FieldPath field : fieldPaths(t.dataClass(), List.of())) {
            if (field.type().isEnum()) {
                ObjectNode broken = sampleTree(t);
                field.parentIn(broken).put(field.name(), "NOT_A_" + field.type().getSimpleName().toUpperCase());
                assertRejected(validator, broken, t, "enum", "unknown " + field.type().getSimpleName() + " at " + field);
                String lowerCase = field.type().getEnumConstants()[0].toString().toLowerCase();
                field.parentIn(broken).put(field.name(), lowerCase);
                assertRejected(validator, broken, t, "enum", "lower-case '" + lowerCase + "' at " + field);
                ENUM_CASES.incrementAndGet();
            }
        }
    }

    private static void wrongFormatRejected(EventType<?> t) {
        JsonSchema validator = SchemaSupport.validator(t.schemaResource());
        int cases = 0;
        for (FieldPath field : fieldPaths(t.dataClass(), List.of())) {
            String bad = field.type() == UUID.class ? "not-a-uuid" : field.type() == Instant.class ? "yesterday" : null;
            if (bad != null) {
                ObjectNode broken = sampleTree(t);
                field.parentIn(broken).put(field.name(), bad);
                assertRejected(validator, broken, t, "format", "'" + bad + "' at " + field);
                cases++;
            }
        }
        assertTrue(cases >= 2, "every event has at least a room id and a timestamp");
    }

    private static void wrongJsonTypeRejected(EventType<?> t) {
        JsonSchema validator = SchemaSupport.validator(t.schemaResource());
        for (FieldPath field : fieldPaths(t.dataClass(), List.of())) {
            ObjectNode broken = sampleTree(t);
            field.parentIn(broken).putArray(field.name()).add(1);
            assertRejected(validator, broken, t, "type", "array at " + field);
        }
    }

    // ---------------------------------------------------------------- whole-directory checks

    @Test
    void everySchemaFileIsUsedAndIdentifiedByItsLocation() throws IOException, URISyntaxException {
        URL root = getClass().getClassLoader().getResource("schemas");
        assertNotNull(root, "schemas/ on the class path");
        Path dir = Paths.get(root.toURI());
        Set<String> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(p -> p.toString().endsWith(".json"))
                    .map(p -> "schemas/" + dir.relativize(p).toString().replace('\\', '/'))
                    .collect(Collectors.toSet());
        }
        Set<String> used = new HashSet<>();
        for (EventType<?> t : EventCatalog.all()) {
            used.add(t.schemaResource());
            collectRefs(t.schemaResource(), SchemaSupport.load(t.schemaResource()), used);
        }
        assertEquals(files, used, "every schema file must be an event schema or referenced by one");
        for (String file : files) {
            JsonNode schema = SchemaSupport.load(file);
            assertEquals(SchemaSupport.DRAFT_2020_12, schema.path("$schema").asText(), file + ": $schema");
            assertEquals(SchemaSupport.ID_BASE + file.substring("schemas/".length()), schema.path("$id").asText(),
                    file + ": $id");
        }
    }

    @Test
    void brokenPayloadChecksCoverEnumsAndNestedRecords() {
        // The dynamic tests above count what they exercised; run them here again to not depend on test order.
        ENUM_CASES.set(0);
        NESTED_CASES.set(0);
        EventCatalog.all().forEach(t -> {
            wrongEnumRejected(t);
            extraFieldRejected(t);
        });
        assertTrue(ENUM_CASES.get() >= 5, "enum fields exercised: " + ENUM_CASES.get());
        assertTrue(NESTED_CASES.get() >= 2, "nested records exercised: " + NESTED_CASES.get());
    }

    @Test
    void validatorIsLive() {
        // Guards against a validator that accepts everything (e.g. a schema that failed to load as "true").
        JsonSchema validator = SchemaSupport.validator(EventCatalog.ROOM_CREATED.schemaResource());
        assertFalse(validator.validate(JsonNodeFactory.instance.objectNode()).isEmpty(), "{} must be invalid");
        assertFalse(validator.validate(JsonNodeFactory.instance.textNode("x")).isEmpty(), "a string must be invalid");
    }

    // ---------------------------------------------------------------- helpers

    /**
     * A field anywhere in a record tree: its JSON path (a list's first item is segment {@code "0"}), Java type, item
     * type if it is a list (else null) and whether it is @Nullable.
     */
    record FieldPath(List<String> path, Class<?> type, Class<?> itemType, boolean nullable) {
        String name() {
            return path.get(path.size() - 1);
        }

        /** The path of the list's first item (samples have one item per list). */
        List<String> itemPath() {
            List<String> item = new ArrayList<>(path);
            item.add("0");
            return List.copyOf(item);
        }

        ObjectNode parentIn(ObjectNode root) {
            return at(root, path.subList(0, path.size() - 1));
        }

        /** The object at a path of object fields and list indexes. */
        static ObjectNode at(ObjectNode root, List<String> path) {
            JsonNode node = root;
            for (String segment : path) {
                node = node.isArray() ? node.get(Integer.parseInt(segment)) : node.get(segment);
            }
            return (ObjectNode) node;
        }

        @Override
        public String toString() {
            return "/" + String.join("/", path);
        }
    }

    private static List<FieldPath> fieldPaths(Class<?> record, List<String> prefix) {
        List<FieldPath> result = new ArrayList<>();
        for (RecordComponent c : record.getRecordComponents()) {
            List<String> path = new ArrayList<>(prefix);
            path.add(c.getName());
            FieldPath field = new FieldPath(List.copyOf(path), c.getType(), Samples.itemType(c), Samples.isNullable(c));
            result.add(field);
            if (c.getType().isRecord()) {
                result.addAll(fieldPaths(c.getType(), path));
            } else if (field.itemType() != null && field.itemType().isRecord()) {
                result.addAll(fieldPaths(field.itemType(), field.itemPath()));
            }
        }
        return result;
    }

    private static ObjectNode sampleTree(EventType<?> t) {
        return tree(Samples.record(t.dataClass(), true, 0));
    }

    private static ObjectNode tree(Object sample) {
        return (ObjectNode) SchemaSupport.tree(EventJson.write(sample));
    }

    private static void assertValid(JsonSchema validator, JsonNode json, String what) {
        Set<ValidationMessage> errors = validator.validate(json);
        assertTrue(errors.isEmpty(), what + " should be valid but: " + errors + "\n" + json);
    }

    /** The schema rejects the payload (with the expected keyword, if given) and so does EventJson.read. */
    private static void assertRejected(JsonSchema validator, JsonNode json, EventType<?> t, String keyword, String what) {
        Set<ValidationMessage> errors = validator.validate(json);
        assertFalse(errors.isEmpty(), "schema accepted " + what + ": " + json);
        if (keyword != null) {
            assertTrue(errors.stream().anyMatch(m -> keyword.equals(m.getType())),
                    "expected a '" + keyword + "' error for " + what + ", got " + errors);
        }
        EventJson.MalformedEventException e = assertThrows(EventJson.MalformedEventException.class,
                () -> EventJson.read(SchemaSupport.bytes(json), t.dataClass()), "EventJson.read accepted " + what);
        assertEquals(t.dataClass(), e.targetType());
    }

    private static void collectRefs(String resource, JsonNode node, Set<String> into) {
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null && ref.isTextual()) {
                Located target = resolve(new Located(resource, node));
                if (into.add(target.resource())) {
                    collectRefs(target.resource(), SchemaSupport.load(target.resource()), into);
                }
            }
            node.fields().forEachRemaining(e -> collectRefs(resource, e.getValue(), into));
        } else if (node.isArray()) {
            node.forEach(child -> collectRefs(resource, child, into));
        }
    }

    private static Set<String> fieldNames(JsonNode object) {
        Set<String> names = new LinkedHashSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Set<String> texts(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText)
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    private static Set<String> typeSet(JsonNode type) {
        return type.isArray() ? texts(type) : type.isTextual() ? Set.of(type.asText()) : Set.of();
    }
}
