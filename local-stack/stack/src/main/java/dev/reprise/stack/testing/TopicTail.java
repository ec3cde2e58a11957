package dev.reprise.stack.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Reads a topic the way another team would, with a plain Kafka consumer, starting at its current end:
 * a test sees only what happens after it opened the tail.
 */
public final class TopicTail implements AutoCloseable {

    private final KafkaConsumer<String, byte[]> consumer;
    private final List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();

    private TopicTail(String bootstrapServers, String topic) {
        consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", bootstrapServers,
                "group.id", "test-tail-" + UUID.randomUUID(),
                "enable.auto.commit", "false",
                "isolation.level", "read_committed"), new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(info -> new TopicPartition(topic, info.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolve the end offsets now, before the test acts
    }

    /** Tails {@code topic} on the broker named by {@code kafka.bootstrap.servers} in the test's config. */
    public static TopicTail fromEnd(String topic) {
        return fromEnd(ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class), topic);
    }

    public static TopicTail fromEnd(String bootstrapServers, String topic) {
        return new TopicTail(bootstrapServers, topic);
    }

    /** Waits for {@code count} matching records (in partition order) or fails after {@code timeout}. */
    public List<ConsumerRecord<String, byte[]>> awaitRecords(Predicate<ConsumerRecord<String, byte[]>> matching,
            int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ConsumerRecord<String, byte[]>> found = matching(matching);
        while (found.size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Expected " + count + " matching records within " + timeout + ", got "
                        + found.size());
            }
            poll();
            found = matching(matching);
        }
        return found;
    }

    /** Every matching record that arrives within {@code window}; waits the whole window. */
    public List<ConsumerRecord<String, byte[]>> recordsWithin(Predicate<ConsumerRecord<String, byte[]>> matching,
            Duration window) {
        long deadline = System.nanoTime() + window.toNanos();
        while (System.nanoTime() < deadline) {
            poll();
        }
        return matching(matching);
    }

    /**
     * Every matching record that arrives until the topic has been quiet (nothing new at all) for {@code quiet}, or
     * {@code limit} has passed: for order and duplicate checks, which must not stop at an expected count.
     */
    public List<ConsumerRecord<String, byte[]>> readUntilQuiet(Predicate<ConsumerRecord<String, byte[]>> matching,
            Duration quiet, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < quiet.toNanos() && System.nanoTime() < deadline) {
            int before = seen.size();
            poll();
            if (seen.size() > before) {
                quietSince = System.nanoTime();
            }
        }
        return matching(matching);
    }

    /**
     * The sequence of event ids per key that a consumer deduplicating by {@code ce_id} would apply: records in log
     * order (partition order, and a key has one partition), each id at its first occurrence.
     */
    public static Map<String, List<String>> appliedIdsByKey(List<ConsumerRecord<String, byte[]>> records) {
        Map<String, List<String>> applied = new java.util.LinkedHashMap<>();
        java.util.Set<String> seenIds = new java.util.HashSet<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            String id = new String(record.headers().lastHeader("ce_id").value(), java.nio.charset.StandardCharsets.UTF_8);
            if (seenIds.add(id)) {
                applied.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(id);
            }
        }
        return applied;
    }

    private void poll() {
        consumer.poll(Duration.ofMillis(100)).forEach(seen::add);
    }

    private List<ConsumerRecord<String, byte[]>> matching(Predicate<ConsumerRecord<String, byte[]>> matching) {
        return seen.stream().filter(matching).toList();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
