package dev.reprise.stack.testing;

import dev.reprise.contracts.Topic;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Plain Kafka clients for tests, on {@code kafka.bootstrap.servers} of the test's configuration (or an explicit
 * bootstrap address). A consumer from {@link #consumerAtEnd(String)} is assigned every partition of the topic at its
 * current end — it sees only records produced after it was created — and has no consumer group.
 *
 * <pre>{@code
 * try (var consumer = TestKafka.consumerAtEnd(Topic.ROOM)) {
 *     // act
 *     var record = TestKafka.awaitRecord(consumer, r -> roomId.equals(r.key()), Duration.ofSeconds(10));
 * }
 * }</pre>
 */
public final class TestKafka {

    /** Config key of the bootstrap servers. */
    public static final String BOOTSTRAP_SERVERS = "kafka.bootstrap.servers";

    private TestKafka() {
    }

    /** {@code kafka.bootstrap.servers} of the test's configuration. */
    public static String bootstrapServers() {
        return ConfigProvider.getConfig().getValue(BOOTSTRAP_SERVERS, String.class);
    }

    public static KafkaConsumer<String, byte[]> consumerAtEnd(Topic topic) {
        return consumerAtEnd(bootstrapServers(), topic.topicName());
    }

    public static KafkaConsumer<String, byte[]> consumerAtEnd(String topic) {
        return consumerAtEnd(bootstrapServers(), topic);
    }

    /**
     * A consumer assigned to all partitions of {@code topic}, positioned at their current end offsets (resolved
     * before this method returns, so records produced afterwards are never skipped).
     */
    public static KafkaConsumer<String, byte[]> consumerAtEnd(String bootstrapServers, String topic) {
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.CLIENT_ID_CONFIG, "reprise-test-" + topic),
                new StringDeserializer(), new ByteArrayDeserializer());
        try {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " does not exist on " + bootstrapServers);
            }
            List<TopicPartition> partitions = infos.stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            for (TopicPartition partition : partitions) {
                consumer.position(partition, Duration.ofSeconds(30)); // seekToEnd is lazy: resolve it now
            }
            return consumer;
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
    }

    /** A producer of String keys and byte[] values, acks=all, on the test's broker. */
    public static KafkaProducer<String, byte[]> producer() {
        return producer(bootstrapServers());
    }

    public static KafkaProducer<String, byte[]> producer(String bootstrapServers) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, "0",
                ProducerConfig.CLIENT_ID_CONFIG, "reprise-test-producer"),
                new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Polls until {@code count} records matching {@code matching} have arrived and returns them (in arrival order);
     * throws an {@link AssertionError} naming what was seen if they do not arrive within {@code timeout}.
     */
    public static List<ConsumerRecord<String, byte[]>> pollUntil(KafkaConsumer<String, byte[]> consumer,
            Predicate<ConsumerRecord<String, byte[]>> matching, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
        int seen = 0;
        while (found.size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("expected " + count + " matching record(s) on " + consumer.assignment()
                        + " within " + timeout + ", got " + found.size() + " (of " + seen + " record(s) seen)");
            }
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(Math.min(200,
                    Math.max(1, left / 1_000_000))))) {
                seen++;
                if (matching.test(record) && found.size() < count) {
                    found.add(record);
                }
            }
        }
        return found;
    }

    /** The first record matching {@code matching} within {@code timeout}, else an {@link AssertionError}. */
    public static ConsumerRecord<String, byte[]> awaitRecord(KafkaConsumer<String, byte[]> consumer,
            Predicate<ConsumerRecord<String, byte[]>> matching, Duration timeout) {
        return pollUntil(consumer, matching, 1, timeout).get(0);
    }

    /**
     * Every record matching {@code matching} that arrives within {@code window} (polls for the whole window): to
     * assert that something did <em>not</em> happen.
     */
    public static List<ConsumerRecord<String, byte[]>> pollFor(KafkaConsumer<String, byte[]> consumer,
            Predicate<ConsumerRecord<String, byte[]>> matching, Duration window) {
        long deadline = System.nanoTime() + window.toNanos();
        List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                if (matching.test(record)) {
                    found.add(record);
                }
            }
        }
        return found;
    }
}
