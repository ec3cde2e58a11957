package dev.reprise.stack.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.reprise.contracts.Topic;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the AsyncAPI document says a service receives, for tests that hold a service's consumers to it (the
 * document is also what its Kafka ACLs are generated from, in deploy/).
 */
public final class ContractOperations {

    private ContractOperations() {
    }

    /** Topic name to the CloudEvents types the {@code receive} operations tagged with {@code service} list. */
    public static Map<String, Set<String>> received(String service) {
        JsonNode document = asyncApi();
        Map<String, Set<String>> received = new TreeMap<>();
        for (JsonNode operation : document.path("operations")) {
            boolean tagged = false;
            for (JsonNode tag : operation.path("tags")) {
                tagged |= service.equals(tag.path("name").asText());
            }
            if (!tagged || !"receive".equals(operation.path("action").asText())) {
                continue;
            }
            String channel = operation.path("channel").path("$ref").asText().replace("#/channels/", "");
            String topic = document.path("channels").path(channel).path("address").asText();
            Set<String> types = received.computeIfAbsent(topic, t -> new TreeSet<>());
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
