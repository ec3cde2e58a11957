package dev.reprise.stack.testing;

import dev.reprise.contracts.CloudEventHeaders;
import dev.reprise.contracts.Topic;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Kafka records (and a producer for them) as room-service's relay writes them (CloudEvents binary mode), for tests that play a producer. */
public final class TestEvents {

    private TestEvents() {
    }

    /** A record of {@code ceType} on the room topic, keyed by the room, with every CloudEvents header. */
    public static ProducerRecord<String, byte[]> roomRecord(String ceType, String eventId, UUID roomId, byte[] data) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topic.ROOM.topicName(), roomId.toString(), data);
        header(record, CloudEventHeaders.ID, eventId);
        header(record, CloudEventHeaders.SPEC_VERSION, CloudEventHeaders.SPEC_VERSION_VALUE);
        header(record, CloudEventHeaders.TYPE, ceType);
        header(record, CloudEventHeaders.SOURCE, "/reprise/room-service");
        header(record, CloudEventHeaders.SUBJECT, roomId.toString());
        header(record, CloudEventHeaders.TIME, Instant.now().toString());
        header(record, CloudEventHeaders.CONTENT_TYPE, CloudEventHeaders.JSON_CONTENT_TYPE);
        return record;
    }

    /** A plain producer, acknowledged by the broker, as a test or benchmark writing such records needs. */
    public static KafkaProducer<String, byte[]> producer(String bootstrapServers) {
        return new KafkaProducer<>(Map.of("bootstrap.servers", bootstrapServers, "acks", "all", "linger.ms", 5),
                new StringSerializer(), new ByteArraySerializer());
    }

    private static void header(ProducerRecord<String, byte[]> record, String name, String value) {
        record.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
