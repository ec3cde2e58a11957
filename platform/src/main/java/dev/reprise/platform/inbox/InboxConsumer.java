package dev.reprise.platform.inbox;

import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.EventType;
import dev.reprise.contracts.Topic;
import io.smallrye.mutiny.Uni;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One idempotent consumer of a topic: a stable name and a handler per event type it cares about. Built with
 * {@link Inbox#consumer(String)}, used from the {@code @Incoming} method:
 *
 * <pre>{@code
 * consumer = inbox.consumer("recording-service.room-policy", Topic.ROOM)
 *         .on(EventCatalog.ROOM_CREATED, projection::created)
 *         .on(EventCatalog.ROOM_ENDED, projection::ended);
 * ...
 * @Incoming("room-events")
 * Uni<Void> consume(ConsumerRecord<String, byte[]> record) { return consumer.handle(record); }
 * }</pre>
 *
 * A catalogued event type without a handler is skipped without a trace (nothing is recorded for it); a type the
 * catalogue does not know (a new version this build cannot read) is dead-lettered.
 */
public final class InboxConsumer {

    /** Handles one event's data inside the inbox transaction; throw {@link PoisonEventException} for what can never apply. */
    @FunctionalInterface
    public interface Handler<T> {
        Uni<?> handle(T data, IncomingEvent event);
    }

    private final String name;
    private final Topic topic;
    private final Inbox inbox;
    private final Map<String, Registered<?>> handlers = new LinkedHashMap<>();

    InboxConsumer(String name, Topic topic, Inbox inbox) {
        this.name = name;
        this.topic = topic;
        this.inbox = inbox;
    }

    /** Handles events of {@code type} with {@code handler}; one handler per type. */
    public <T> InboxConsumer on(EventType<T> type, Handler<T> handler) {
        if (handlers.putIfAbsent(type.type(), new Registered<>(type, handler)) != null) {
            throw new IllegalStateException(name + " already handles " + type.type());
        }
        return this;
    }

    public String name() {
        return name;
    }

    public Topic topic() {
        return topic;
    }

    /** The CloudEvents types this consumer handles. */
    public Set<String> handledTypes() {
        return Set.copyOf(handlers.keySet());
    }

    /**
     * Processes one record: its handler's effect and the record that it was processed commit together, once per
     * event id. Fails the returned Uni only with {@link PoisonEventException} (the channel then dead-letters the
     * record); any other failure is retried, with back-off and without limit, while the partition waits.
     */
    public Uni<Void> handle(ConsumerRecord<String, byte[]> record) {
        return process(record).onFailure(PoisonEventException.class)
                .invoke(poison -> inbox.deadLettering(name, record, poison));
    }

    /** As {@link #handle}, for a record replayed from the dead-letter topic: poison fails it, nothing more. */
    Uni<Void> process(ConsumerRecord<String, byte[]> record) {
        IncomingEvent event;
        Supplier<Uni<?>> effect;
        try {
            event = IncomingEvent.from(record);
            Registered<?> registered = handlers.get(event.type());
            if (registered == null) {
                if (EventCatalog.byType(event.type()).isEmpty()) {
                    throw new PoisonEventException("Event " + event.id() + " has a type this service does not know: "
                            + event.type() + " (an unknown event type or version)");
                }
                return Uni.createFrom().voidItem(); // not this consumer's concern: no effect, nothing recorded
            }
            effect = registered.effectOf(event);
        } catch (PoisonEventException e) {
            return Uni.createFrom().failure(e);
        }
        return inbox.processOnce(name, record, event, effect);
    }

    private record Registered<T>(EventType<T> type, Handler<T> handler) {
        /** Reads the data first: malformed data is poison, found before any transaction or retry. */
        Supplier<Uni<?>> effectOf(IncomingEvent event) {
            T data = event.data(type);
            return () -> handler.handle(data, event);
        }
    }
}
