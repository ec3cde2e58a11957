package dev.reprise.platform.inbox;

import dev.reprise.contracts.CloudEventHeaders;
import dev.reprise.contracts.EventJson;
import dev.reprise.contracts.EventType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** A CloudEvent read from Kafka in binary mode: its attributes from the headers, its data from the value. */
public record IncomingEvent(String id, String type, String source, String subject, Instant time, String key,
        byte[] data) {

    /** Reads the envelope; a record without a usable one can never be processed and is poison. */
    public static IncomingEvent from(ConsumerRecord<String, byte[]> record) {
        String id = required(record, CloudEventHeaders.ID);
        String type = required(record, CloudEventHeaders.TYPE);
        String source = required(record, CloudEventHeaders.SOURCE);
        String subject = header(record, CloudEventHeaders.SUBJECT);
        String time = header(record, CloudEventHeaders.TIME);
        if (record.value() == null) {
            throw new PoisonEventException("Event " + id + " has no data");
        }
        try {
            return new IncomingEvent(id, type, source, subject, time == null ? null : Instant.parse(time),
                    record.key(), record.value());
        } catch (DateTimeParseException e) {
            throw new PoisonEventException("Event " + id + " has an invalid ce_time: " + time);
        }
    }

    /** The data as the given contract type; poison when it is not that type or does not parse. */
    public <T> T data(EventType<T> expected) {
        if (!expected.type().equals(type)) {
            throw new PoisonEventException("Event " + id + " is a " + type + ", not a " + expected.type());
        }
        try {
            return EventJson.read(data, expected.dataClass());
        } catch (RuntimeException e) {
            throw new PoisonEventException("Event " + id + " of type " + type + " has malformed data: " + e.getMessage());
        }
    }

    private static String required(ConsumerRecord<String, byte[]> record, String name) {
        String value = header(record, name);
        if (value == null || value.isBlank()) {
            throw new PoisonEventException("Record at " + record.topic() + "-" + record.partition() + "@"
                    + record.offset() + " lacks the CloudEvents header " + name);
        }
        return value;
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
