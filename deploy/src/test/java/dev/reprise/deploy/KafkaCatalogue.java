package dev.reprise.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.reprise.contracts.Topic;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The Strimzi resources of the topic catalogue, derived from the contracts module: a {@code KafkaTopic} for every
 * {@link Topic} and every consuming service's dead-letter topic, and a {@code KafkaUser} per service whose ACLs are
 * what the AsyncAPI document says it sends and receives, nothing more. deploy/base/kafka holds the result;
 * {@link KafkaCatalogueTest} fails when it drifts and rewrites it on request.
 */
final class KafkaCatalogue {

    static final String CLUSTER = "reprise";
    /** Events stay readable for as long as consumers remember what they applied (reprise.inbox.retention). */
    static final long EVENT_RETENTION_MS = 14L * 24 * 3600 * 1000;
    /** Dead letters wait for an operator's fix and replay longer. */
    static final long DEAD_LETTER_RETENTION_MS = 30L * 24 * 3600 * 1000;

    private final JsonNode asyncApi;

    KafkaCatalogue() {
        try (InputStream in = Topic.class.getResourceAsStream("/asyncapi/reprise.asyncapi.yaml")) {
            asyncApi = new YAMLMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What each service does on Kafka, by the AsyncAPI operations tagged with its name. */
    record Usage(TreeSet<String> sends, TreeSet<String> receives) {
        boolean consumes() {
            return !receives.isEmpty();
        }
    }

    Map<String, Usage> usageByService() {
        Map<String, Usage> usage = new TreeMap<>();
        asyncApi.path("operations").forEach(operation -> {
            String channel = operation.path("channel").path("$ref").asText().replace("#/channels/", "");
            String topic = asyncApi.path("channels").path(channel).path("address").asText();
            for (JsonNode tag : operation.path("tags")) {
                Usage of = usage.computeIfAbsent(tag.path("name").asText(),
                        service -> new Usage(new TreeSet<>(), new TreeSet<>()));
                switch (operation.path("action").asText()) {
                    case "send" -> of.sends().add(topic);
                    case "receive" -> of.receives().add(topic);
                    default -> throw new IllegalStateException("unknown action in " + operation);
                }
            }
        });
        return usage;
    }

    List<Map<String, Object>> topics() {
        List<Map<String, Object>> topics = new ArrayList<>();
        for (Topic topic : Topic.values()) {
            topics.add(topic(topic.topicName(), topic.partitions(), EVENT_RETENTION_MS));
        }
        usageByService().forEach((service, usage) -> {
            if (usage.consumes()) {
                topics.add(topic(Topic.deadLetterTopic(service), Topic.DEAD_LETTER_PARTITIONS, DEAD_LETTER_RETENTION_MS));
            }
        });
        return topics;
    }

    List<Map<String, Object>> users(List<String> services) {
        Map<String, Usage> usage = usageByService();
        List<Map<String, Object>> users = new ArrayList<>();
        for (String service : services) {
            Usage of = usage.getOrDefault(service, new Usage(new TreeSet<>(), new TreeSet<>()));
            List<Map<String, Object>> acls = new ArrayList<>();
            for (String topic : of.sends()) {
                acls.add(acl("topic", topic, "literal", "Write", "Describe"));
            }
            if (!of.sends().isEmpty()) {
                // The outbox relay's transactional ids: <service>-outbox-<n> (TransactionalIdLease).
                acls.add(acl("transactionalId", service + "-outbox-", "prefix", "Write", "Describe"));
            }
            for (String topic : of.receives()) {
                acls.add(acl("topic", topic, "literal", "Read", "Describe"));
            }
            if (of.consumes()) {
                acls.add(acl("group", service, "literal", "Read"));
                // Its dead letters: written by the connector, read back by the replay endpoint.
                acls.add(acl("topic", Topic.deadLetterTopic(service), "literal", "Write", "Read", "Describe"));
            }
            Map<String, Object> user = resource("KafkaUser", service);
            user.put("spec", map("authentication", map("type", "scram-sha-512"),
                    "authorization", map("type", "simple", "acls", acls)));
            users.add(user);
        }
        return users;
    }

    private static Map<String, Object> topic(String name, int partitions, long retentionMs) {
        Map<String, Object> topic = resource("KafkaTopic", name);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("retention.ms", retentionMs);
        config.put("min.insync.replicas", 2);
        config.put("cleanup.policy", "delete");
        topic.put("spec", map("topicName", name, "partitions", partitions, "replicas", 3, "config", config));
        return topic;
    }

    private static Map<String, Object> acl(String type, String name, String pattern, String... operations) {
        return map("resource", map("type", type, "name", name, "patternType", pattern), "operations",
                List.of(operations), "host", "*");
    }

    private static Map<String, Object> resource(String kind, String name) {
        Map<String, Object> resource = new LinkedHashMap<>();
        resource.put("apiVersion", "kafka.strimzi.io/v1beta2");
        resource.put("kind", kind);
        resource.put("metadata", map("name", name, "labels", map("strimzi.io/cluster", CLUSTER)));
        return resource;
    }

    private static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
