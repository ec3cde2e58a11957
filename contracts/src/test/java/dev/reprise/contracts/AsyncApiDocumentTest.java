package dev.reprise.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Keeps the AsyncAPI document in step with {@link EventCatalog} and {@link Topic}. (Its validity as AsyncAPI 3.0 is
 * checked by the official parser in asyncapi-check/, run by the Maven build.)
 */
class AsyncApiDocumentTest {

    static final String DOCUMENT = "asyncapi/reprise.asyncapi.yaml";
    static final String DEAD_LETTER_ADDRESS = Topic.DEAD_LETTER_TOPIC_PREFIX + "{service}";
    static final List<String> CE_HEADERS = List.of(
            CloudEventHeaders.ID, CloudEventHeaders.SPEC_VERSION, CloudEventHeaders.TYPE, CloudEventHeaders.SOURCE,
            CloudEventHeaders.SUBJECT, CloudEventHeaders.TIME, CloudEventHeaders.CONTENT_TYPE);

    private static JsonNode doc;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = AsyncApiDocumentTest.class.getClassLoader().getResourceAsStream(DOCUMENT)) {
            assertNotNull(in, DOCUMENT + " on the class path");
            doc = new YAMLMapper().readTree(in);
        }
    }

    @Test
    void documentBasics() {
        String description = doc.path("info").path("description").asText();
        assertAll(
                () -> assertEquals("3.0.0", doc.path("asyncapi").asText()),
                () -> assertFalse(doc.path("info").path("title").asText().isBlank(), "info.title"),
                () -> assertTrue(doc.path("info").path("version").asText().matches("\\d+\\.\\d+\\.\\d+"), "info.version"),
                () -> assertEquals(CloudEventHeaders.JSON_CONTENT_TYPE, doc.path("defaultContentType").asText()),
                () -> assertEquals("127.0.0.1:9092", doc.path("servers").path("local").path("host").asText()),
                () -> assertEquals("kafka", doc.path("servers").path("local").path("protocol").asText()));
        // The envelope, keys, ordering and versioning policy are documented.
        for (String expected : List.of("CloudEvents", "binary", "ce_id", "ce_type", "ce_subject", "room id",
                "order", "additive", "breaking", ".v2", "reprise.dlq.")) {
            assertTrue(description.contains(expected), "info.description should mention '" + expected + "'");
        }
    }

    @Test
    void everyTopicIsAChannelWithItsPartitionCount() {
        Map<String, JsonNode> byAddress = channelsByAddress();
        Set<String> expected = new HashSet<>();
        for (Topic topic : Topic.values()) {
            expected.add(topic.topicName());
            JsonNode channel = byAddress.get(topic.topicName());
            assertNotNull(channel, "no channel with address " + topic.topicName());
            assertEquals(topic.partitions(), kafkaPartitions(channel), topic + ": kafka binding partitions");
        }
        JsonNode deadLetter = byAddress.get(DEAD_LETTER_ADDRESS);
        assertNotNull(deadLetter, "dead-letter channel " + DEAD_LETTER_ADDRESS);
        assertEquals(Topic.DEAD_LETTER_PARTITIONS, kafkaPartitions(deadLetter), "dead-letter partitions");
        assertTrue(deadLetter.path("parameters").has("service"), "dead-letter channel parameter 'service'");
        expected.add(DEAD_LETTER_ADDRESS);
        assertEquals(expected, byAddress.keySet(), "channels must be exactly the Topic values plus the dead-letter channel");
    }

    @TestFactory
    Stream<DynamicTest> everyEventTypeIsAMessage() {
        return EventCatalog.all().stream().map(t -> DynamicTest.dynamicTest(t.type(), () -> assertMessage(t)));
    }

    private static void assertMessage(EventType<?> t) {
        Map<String, JsonNode> messages = messagesByCeType();
        JsonNode message = messages.get(t.type());
        assertNotNull(message, "no components/messages entry whose ce_type header is " + t.type());
        String messageKey = componentMessageKey(t.type());
        String componentRef = "#/components/messages/" + messageKey;

        assertAll(
                () -> assertEquals(t.dataClass().getSimpleName(), message.path("name").asText(), "name"),
                () -> assertFalse(message.path("title").asText().isBlank(), "title"),
                () -> assertFalse(message.path("summary").asText().isBlank(), "summary"),
                () -> assertEquals(CloudEventHeaders.JSON_CONTENT_TYPE, message.path("contentType").asText(), "contentType"),
                () -> assertEquals(t.schemaResource(), payloadResource(message), "payload $ref"),
                () -> assertTrue(SchemaSupport.exists(payloadResource(message)), "payload file exists"),
                () -> assertEquals("$message.header#/" + CloudEventHeaders.SUBJECT,
                        deref(message.path("correlationId")).path("location").asText(), "correlationId = room id"),
                () -> assertRoomIdKey(deref(message.path("bindings")).path("kafka"), t.type()));

        // The headers schema lists every ce_* header, requires them, and pins the constant ones.
        Map<String, JsonNode> headers = new LinkedHashMap<>();
        Set<String> required = new HashSet<>();
        flattenObjectSchema(message.path("headers"), headers, required);
        for (String header : CE_HEADERS) {
            assertTrue(headers.containsKey(header), t.type() + ": headers schema lacks " + header);
            assertTrue(required.contains(header), t.type() + ": header " + header + " must be required");
        }
        assertEquals(CloudEventHeaders.SPEC_VERSION_VALUE, headers.get(CloudEventHeaders.SPEC_VERSION).path("const").asText());
        assertEquals(CloudEventHeaders.JSON_CONTENT_TYPE, headers.get(CloudEventHeaders.CONTENT_TYPE).path("const").asText());

        // It is published on the channel whose address is the topic name...
        Map.Entry<String, JsonNode> channel = channelEntry(t.topic().topicName());
        String channelMessageKey = null;
        for (Map.Entry<String, JsonNode> m : fields(channel.getValue().path("messages"))) {
            if (componentRef.equals(m.getValue().path("$ref").asText())) {
                channelMessageKey = m.getKey();
            }
        }
        assertNotNull(channelMessageKey, t.type() + " is not a message of channel " + channel.getKey());

        // ...by a send operation on that channel.
        String channelRef = "#/channels/" + channel.getKey();
        String operationMessageRef = channelRef + "/messages/" + channelMessageKey;
        boolean sent = fields(doc.path("operations")).stream().map(Map.Entry::getValue)
                .filter(op -> "send".equals(op.path("action").asText()))
                .filter(op -> channelRef.equals(op.path("channel").path("$ref").asText()))
                .anyMatch(op -> refs(op.path("messages")).contains(operationMessageRef));
        assertTrue(sent, "no send operation on " + channelRef + " lists " + operationMessageRef);
    }

    @Test
    void everyDocumentedEventIsCatalogued() {
        Set<String> catalogued = EventCatalog.all().stream().map(EventType::type).collect(Collectors.toSet());
        assertEquals(catalogued, messagesByCeType().keySet(), "messages with a ce_type in the AsyncAPI document");

        // Channel messages of a topic are exactly the catalogued events of that topic.
        for (Topic topic : Topic.values()) {
            Set<String> documented = new HashSet<>();
            for (Map.Entry<String, JsonNode> m : fields(channelEntry(topic.topicName()).getValue().path("messages"))) {
                documented.add(ceTypeOf(deref(m.getValue())));
            }
            Set<String> expected = EventCatalog.onTopic(topic).stream().map(EventType::type).collect(Collectors.toSet());
            assertEquals(expected, documented, "messages of channel " + topic.topicName());
        }
    }

    @Test
    void roomEventsAreSentByRoomService() {
        JsonNode op = doc.path("operations").path("publishRoomEvents");
        assertEquals("send", op.path("action").asText());
        assertEquals("#/channels/" + channelEntry(Topic.ROOM.topicName()).getKey(), op.path("channel").path("$ref").asText());
        List<String> tags = StreamSupport.stream(op.path("tags").spliterator(), false)
                .map(tag -> tag.path("name").asText()).toList();
        assertTrue(tags.contains("room-service"), "publishRoomEvents should be tagged room-service: " + tags);
        assertEquals(EventCatalog.onTopic(Topic.ROOM).size(), op.path("messages").size());
    }

    @Test
    void recordingEventsAreSentByRecordingService() {
        JsonNode op = doc.path("operations").path("publishRecordingEvents");
        assertEquals("send", op.path("action").asText());
        assertEquals("#/channels/" + channelEntry(Topic.RECORDING.topicName()).getKey(), op.path("channel").path("$ref").asText());
        List<String> tags = StreamSupport.stream(op.path("tags").spliterator(), false)
                .map(tag -> tag.path("name").asText()).toList();
        assertTrue(tags.contains("recording-service"), "publishRecordingEvents should be tagged recording-service: " + tags);
        assertEquals(EventCatalog.onTopic(Topic.RECORDING).size(), op.path("messages").size());
    }

    @Test
    void deadLetterMessageDocumentsTheErrorHeaders() {
        JsonNode dlq = channelsByAddress().get(DEAD_LETTER_ADDRESS);
        List<JsonNode> messages = fields(dlq.path("messages")).stream().map(e -> deref(e.getValue())).toList();
        assertEquals(1, messages.size());
        Map<String, JsonNode> headers = new LinkedHashMap<>();
        Set<String> required = new HashSet<>();
        flattenObjectSchema(messages.get(0).path("headers"), headers, required);
        for (String header : List.of("dead-letter-reason", "dead-letter-exception-class-name", "dead-letter-topic",
                "dead-letter-partition", "dead-letter-offset")) {
            assertTrue(required.contains(header), header + " header required");
        }
        assertTrue(headers.keySet().containsAll(required));
    }

    // ---------------------------------------------------------------- helpers

    private static void assertRoomIdKey(JsonNode kafkaBinding, String type) {
        JsonNode key = deref(kafkaBinding.path("key"));
        assertEquals("string", key.path("type").asText(), type + ": key type");
        assertEquals("uuid", key.path("format").asText(), type + ": key format");
        assertTrue(key.path("description").asText().toLowerCase().contains("room id"), type + ": key is the room id");
    }

    private static int kafkaPartitions(JsonNode channel) {
        JsonNode partitions = deref(channel.path("bindings")).path("kafka").path("partitions");
        assertTrue(partitions.isInt(), "partitions must be an integer: " + partitions);
        return partitions.asInt();
    }

    private static Map<String, JsonNode> channelsByAddress() {
        Map<String, JsonNode> byAddress = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : fields(doc.path("channels"))) {
            JsonNode previous = byAddress.put(e.getValue().path("address").asText(), e.getValue());
            assertTrue(previous == null, "two channels with address " + e.getValue().path("address").asText());
        }
        return byAddress;
    }

    private static Map.Entry<String, JsonNode> channelEntry(String address) {
        return fields(doc.path("channels")).stream()
                .filter(e -> address.equals(e.getValue().path("address").asText()))
                .findFirst().orElseGet(() -> fail("no channel with address " + address));
    }

    private static Map<String, JsonNode> messagesByCeType() {
        Map<String, JsonNode> result = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : fields(doc.path("components").path("messages"))) {
            String ceType = ceTypeOf(e.getValue());
            if (ceType != null) {
                assertTrue(result.put(ceType, e.getValue()) == null, "two messages with ce_type " + ceType);
            }
        }
        return result;
    }

    private static String componentMessageKey(String ceType) {
        return fields(doc.path("components").path("messages")).stream()
                .filter(e -> ceType.equals(ceTypeOf(e.getValue()))).map(Map.Entry::getKey)
                .findFirst().orElseThrow();
    }

    /** The {@code const} of the {@code ce_type} header, or null (e.g. for the dead-letter message). */
    private static String ceTypeOf(JsonNode message) {
        Map<String, JsonNode> headers = new LinkedHashMap<>();
        flattenObjectSchema(message.path("headers"), headers, new HashSet<>());
        JsonNode ceType = headers.get(CloudEventHeaders.TYPE);
        return ceType == null || !ceType.has("const") ? null : ceType.get("const").asText();
    }

    /** Merges properties and required of an object schema, following local $refs and allOf. */
    private static void flattenObjectSchema(JsonNode schema, Map<String, JsonNode> properties, Set<String> required) {
        JsonNode node = deref(schema);
        for (JsonNode part : node.path("allOf")) {
            flattenObjectSchema(part, properties, required);
        }
        for (Map.Entry<String, JsonNode> p : fields(node.path("properties"))) {
            JsonNode merged = properties.containsKey(p.getKey())
                    ? ((ObjectNode) properties.get(p.getKey()).deepCopy()).setAll((ObjectNode) deref(p.getValue()))
                    : deref(p.getValue());
            properties.put(p.getKey(), merged);
        }
        node.path("required").forEach(r -> required.add(r.asText()));
    }

    /** Follows local ({@code #/...}) references of the document. */
    private static JsonNode deref(JsonNode node) {
        JsonNode current = node;
        for (int hops = 0; current.has("$ref") && current.get("$ref").asText().startsWith("#"); hops++) {
            assertTrue(hops < 10, "$ref loop");
            String pointer = current.get("$ref").asText().substring(1);
            current = doc.at(pointer);
            assertFalse(current.isMissingNode(), "unresolvable $ref #" + pointer);
        }
        return current;
    }

    /** The class path resource a message's payload $ref points to, resolved against the document's location. */
    private static String payloadResource(JsonNode message) {
        String ref = message.path("payload").path("$ref").asText();
        assertFalse(ref.isEmpty() || ref.startsWith("#"), "payload must $ref a schema file: " + ref);
        assertFalse(ref.contains(":"), "payload $ref must be a relative path: " + ref);
        return URI.create(DOCUMENT).resolve(ref).toString();
    }

    private static List<String> refs(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(n -> n.path("$ref").asText()).toList();
    }

    private static List<Map.Entry<String, JsonNode>> fields(JsonNode object) {
        List<Map.Entry<String, JsonNode>> result = new ArrayList<>();
        object.fields().forEachRemaining(result::add);
        return result;
    }
}
