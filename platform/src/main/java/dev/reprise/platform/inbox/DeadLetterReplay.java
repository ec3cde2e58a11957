package dev.reprise.platform.inbox;

import dev.reprise.contracts.CloudEventHeaders;
import dev.reprise.contracts.Topic;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Reads this service's dead-letter topic and, on request, drives its records into the inbox consumers of the
 * topics they came from, after a fix (a new build that knows the type, a predecessor that arrived since). The
 * same idempotency holds: a record already applied, by an earlier replay or otherwise, has no second effect, so
 * a replay can be run again at any time; a record that still cannot apply stays where it is and is reported.
 * The topic is read from its beginning up to its end at the time of the call, without a consumer group.
 */
@ApplicationScoped
public class DeadLetterReplay {

    private static final Logger LOG = Logger.getLogger(DeadLetterReplay.class);
    private static final Duration READ_LIMIT = Duration.ofSeconds(60);

    private final Inbox inbox;
    private final Map<String, Object> kafkaConfig;
    private final String deadLetterTopic;

    public DeadLetterReplay(Inbox inbox, @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig,
            @ConfigProperty(name = "quarkus.application.name") String application) {
        this.inbox = inbox;
        this.kafkaConfig = kafkaConfig;
        this.deadLetterTopic = Topic.deadLetterTopic(application);
    }

    /** A dead-lettered record as an operator needs to see it. */
    public record DeadLetter(int partition, long offset, String originalTopic, String key, String eventId,
            String type, String reason, Instant deadLetteredAt) {
    }

    /** What a replay did: records read, applied now (or found applied before), still failing (with why). */
    public record Report(String topic, int read, int applied, int stillFailing, List<String> failures) {
    }

    public List<DeadLetter> list(int limit) {
        List<DeadLetter> letters = new ArrayList<>();
        readAll(record -> {
            if (letters.size() < limit) {
                letters.add(describe(record));
            }
        });
        return letters;
    }

    /** Blocking: runs on a worker thread, each record's effect on a Vert.x context as the channel would. */
    public Report replay() {
        int[] counts = new int[3];
        List<String> failures = new ArrayList<>();
        readAll(record -> {
            counts[0]++;
            DeadLetter letter = describe(record);
            List<InboxConsumer> consumers = inbox.consumersOf(letter.originalTopic());
            if (consumers.isEmpty()) {
                counts[2]++;
                failures.add(letter.offset() + "@" + letter.partition() + ": no consumer of " + letter.originalTopic());
                return;
            }
            ConsumerRecord<String, byte[]> original = asOriginal(record, letter);
            try {
                for (InboxConsumer consumer : consumers) {
                    VertxContextSupport.subscribeAndAwait(() -> consumer.process(original));
                }
                counts[1]++;
            } catch (Throwable e) {
                counts[2]++;
                failures.add(letter.partition() + "@" + letter.offset() + " (" + letter.eventId() + "): " + e.getMessage());
            }
        });
        Report report = new Report(deadLetterTopic, counts[0], counts[1], counts[2], List.copyOf(failures));
        LOG.infof("Replayed %s: %d records read, %d applied, %d still failing", deadLetterTopic, report.read(),
                report.applied(), report.stillFailing());
        return report;
    }

    private void readAll(Consumer<ConsumerRecord<String, byte[]>> each) {
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        // Assigned partitions and no commits: no consumer group, so a service needs no group rights beyond its own.
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(deadLetterTopic, READ_LIMIT).stream()
                    .map(info -> new TopicPartition(deadLetterTopic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, READ_LIMIT);
            long deadline = System.nanoTime() + READ_LIMIT.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Could not read " + deadLetterTopic + " to its end in " + READ_LIMIT);
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset() < end.get(new TopicPartition(record.topic(), record.partition()))) {
                        each.accept(record);
                    }
                }
            }
        }
    }

    private static DeadLetter describe(ConsumerRecord<String, byte[]> record) {
        return new DeadLetter(record.partition(), record.offset(), header(record, "dead-letter-topic"), record.key(),
                header(record, CloudEventHeaders.ID), header(record, CloudEventHeaders.TYPE),
                header(record, "dead-letter-reason"), Instant.ofEpochMilli(record.timestamp()));
    }

    /** The record as it was on its own topic: same key, value and headers. */
    private static ConsumerRecord<String, byte[]> asOriginal(ConsumerRecord<String, byte[]> record, DeadLetter letter) {
        String partition = header(record, "dead-letter-partition");
        String offset = header(record, "dead-letter-offset");
        ConsumerRecord<String, byte[]> original = new ConsumerRecord<>(letter.originalTopic(),
                partition == null ? -1 : Integer.parseInt(partition), offset == null ? -1 : Long.parseLong(offset),
                record.key(), record.value());
        for (Header header : record.headers()) {
            if (!header.key().startsWith("dead-letter-")) {
                original.headers().add(header);
            }
        }
        return original;
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
