package dev.reprise.platform.outbox;

import dev.reprise.contracts.EventJson;
import dev.reprise.contracts.EventType;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Records an event in the caller's current transaction: a Hibernate Reactive one, or one on the reactive
 * SQL client for hot paths that skip the ORM. The event is published only if that transaction commits,
 * and it cannot be lost once it has: the relay sends it later.
 */
@ApplicationScoped
public class Outbox {

    /** Fixed, not configurable: every replica must map a key to the same slot, or a key's order breaks. */
    public static final int SLOTS = 16;

    private final OutboxConfig config;

    public Outbox(OutboxConfig config) {
        this.config = config;
    }

    /**
     * Adds an event to the outbox. Must run inside a transaction (for example {@code @WithTransaction}).
     *
     * @param key record key and CloudEvents subject: the id of the aggregate whose story this continues
     */
    public <T> Uni<OutboxEvent> add(EventType<T> type, String key, T data, Instant occurredAt) {
        return row(type, key, data, occurredAt).persist();
    }

    /**
     * Adds an event to the outbox in a transaction of the reactive SQL client; {@code transaction} must be
     * a connection with a transaction begun (for example inside {@code Pool.withTransaction}).
     */
    public <T> Uni<Void> add(SqlConnection transaction, EventType<T> type, String key, T data, Instant occurredAt) {
        OutboxEvent event = row(type, key, data, occurredAt);
        return transaction.preparedQuery("""
                INSERT INTO outbox_event (event_id, topic, record_key, slot, event_type, source, subject, occurred_at, payload)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""")
                .execute(Tuple.from(new Object[] { event.eventId, event.topic, event.recordKey, event.slot,
                        event.eventType, event.source, event.subject, event.occurredAt.atOffset(ZoneOffset.UTC),
                        event.payload }))
                .replaceWithVoid();
    }

    private <T> OutboxEvent row(EventType<T> type, String key, T data, Instant occurredAt) {
        OutboxEvent event = new OutboxEvent();
        event.eventId = UUID.randomUUID();
        event.topic = type.topic().topicName();
        event.recordKey = key;
        event.slot = slotOf(key);
        event.eventType = type.type();
        event.source = config.source();
        event.subject = key;
        event.occurredAt = occurredAt;
        event.payload = new String(EventJson.write(data), StandardCharsets.UTF_8);
        return event;
    }

    static int slotOf(String key) {
        // String.hashCode is specified by the JLS, so every JVM agrees on the slot.
        return Math.floorMod(key.hashCode(), SLOTS);
    }
}
