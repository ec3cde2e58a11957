package dev.reprise.stack.testing;

import dev.reprise.contracts.CloudEventHeaders;
import dev.reprise.contracts.Topic;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Kafka records as room-service's relay writes them (CloudEvents binary mode), for tests that play a producer. */
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

    private static void header(ProducerRecord<String, byte[]> record, String name, String value) {
        record.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
