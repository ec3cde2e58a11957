package dev.reprise.deploy;

import dev.reprise.contracts.Topic;
import dev.reprise.stack.testing.ContractOperations;
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

    /** What each service does on Kafka, by the AsyncAPI operations tagged with its name. */
    record Usage(TreeSet<String> sends, TreeSet<String> receives) {
        boolean consumes() {
            return !receives.isEmpty();
        }
    }

    Map<String, Usage> usageByService() {
        Map<String, Usage> usage = new TreeMap<>();
        for (ContractOperations.Operation operation : ContractOperations.all()) {
            Usage of = usage.computeIfAbsent(operation.service(), service -> new Usage(new TreeSet<>(), new TreeSet<>()));
            switch (operation.action()) {
                case "send" -> of.sends().add(operation.topic());
                case "receive" -> of.receives().add(operation.topic());
                default -> throw new IllegalStateException("unknown action in " + operation);
            }
        }
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
