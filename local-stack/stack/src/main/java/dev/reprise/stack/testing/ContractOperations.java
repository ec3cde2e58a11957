package dev.reprise.stack.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.reprise.contracts.Topic;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the AsyncAPI document says each service sends and receives: tests hold a service's consumers to it, and
 * deploy/ generates the services' Kafka ACLs from it.
 */
public final class ContractOperations {

    private ContractOperations() {
    }

    /**
     * One operation of the AsyncAPI document: a service ({@code tags}) sends or receives these CloudEvents types on a
     * topic.
     */
    public record Operation(String service, String action, String topic, Set<String> types) {
    }

    /** Every operation of the document, one per service it is tagged with. */
    public static List<Operation> all() {
        JsonNode document = asyncApi();
        List<Operation> operations = new ArrayList<>();
        for (JsonNode operation : document.path("operations")) {
            String channel = operation.path("channel").path("$ref").asText().replace("#/channels/", "");
            String topic = document.path("channels").path(channel).path("address").asText();
            Set<String> types = new TreeSet<>();
            for (JsonNode message : operation.path("messages")) {
                // #/channels/<channel>/messages/<Name> → #/components/messages/<Name>
                String name = message.path("$ref").asText().replaceAll(".*/", "");
                for (JsonNode part : document.path("components").path("messages").path(name).path("headers")
                        .path("allOf")) {
                    JsonNode type = part.path("properties").path("ce_type").path("const");
                    if (type.isTextual()) {
                        types.add(type.asText());
                    }
                }
            }
            for (JsonNode tag : operation.path("tags")) {
                operations.add(new Operation(tag.path("name").asText(), operation.path("action").asText(), topic,
                        Set.copyOf(types)));
            }
        }
        return operations;
    }

    /** Topic name to the CloudEvents types the {@code receive} operations tagged with {@code service} list. */
    public static Map<String, Set<String>> received(String service) {
        Map<String, Set<String>> received = new TreeMap<>();
        for (Operation operation : all()) {
            if (operation.service().equals(service) && "receive".equals(operation.action())) {
                received.computeIfAbsent(operation.topic(), topic -> new TreeSet<>()).addAll(operation.types());
            }
        }
        return received;
    }

    private static JsonNode asyncApi() {
        try (InputStream in = Topic.class.getResourceAsStream("/asyncapi/reprise.asyncapi.yaml")) {
            return new YAMLMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
