package dev.reprise.platform.outbox;

import dev.reprise.contracts.EventJson;
import dev.reprise.contracts.EventType;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.UUID;

/**
 * Records an event in the caller's current Hibernate Reactive transaction. The event is published
 * only if that transaction commits, and it cannot be lost once it has: the relay sends it later.
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
        OutboxEvent event = new OutboxEvent();
        event.eventId = UUID.randomUUID();
        event.topic = type.topic().topicName();
        event.recordKey = key;
        event.slot = slotOf(key);
        event.eventType = type.type();
        event.source = config.source();
        event.subject = key;
        event.occurredAt = occurredAt;
        event.payload = new String(EventJson.write(data), java.nio.charset.StandardCharsets.UTF_8);
        return event.persist();
    }

    static int slotOf(String key) {
        // String.hashCode is specified by the JLS, so every JVM agrees on the slot.
        return Math.floorMod(key.hashCode(), SLOTS);
    }
}
