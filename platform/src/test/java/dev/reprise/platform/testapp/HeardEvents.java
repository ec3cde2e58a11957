package dev.reprise.platform.testapp;

import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.Topic;
import dev.reprise.contracts.room.RoomCreated;
import dev.reprise.contracts.room.RoomEnded;
import dev.reprise.platform.inbox.Inbox;
import dev.reprise.platform.inbox.InboxConsumer;
import dev.reprise.platform.inbox.IncomingEvent;
import dev.reprise.platform.inbox.PoisonEventException;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * A consumer of room events as a service writes one: it handles room.created and room.ended (each writes a
 * {@code heard_event} row) and nothing else. A room titled {@code poison} can never apply; a room titled
 * {@code flaky:N} fails its first N attempts as a briefly unavailable dependency would.
 */
@ApplicationScoped
public class HeardEvents {

    public static final String CONSUMER = "platform-test.heard";

    private final InboxConsumer consumer;
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

    public HeardEvents(Inbox inbox) {
        consumer = inbox.consumer(CONSUMER, Topic.ROOM)
                .on(EventCatalog.ROOM_CREATED, this::created)
                .on(EventCatalog.ROOM_ENDED, this::ended);
    }

    @Incoming("room-events")
    public Uni<Void> consume(ConsumerRecord<String, byte[]> record) {
        return consumer.handle(record);
    }

    public InboxConsumer consumer() {
        return consumer;
    }

    /** Attempts made at the event so far (also the failed ones). */
    public int attemptsAt(String eventId) {
        AtomicInteger count = attempts.get(eventId);
        return count == null ? 0 : count.get();
    }

    private Uni<Void> created(RoomCreated created, IncomingEvent event) {
        int attempt = attempts.computeIfAbsent(event.id(), id -> new AtomicInteger()).incrementAndGet();
        if (created.title().equals("poison")) {
            throw new PoisonEventException("Room " + created.roomId() + " is poison");
        }
        if (created.title().startsWith("flaky:") && attempt <= Integer.parseInt(created.title().substring(6))) {
            return Uni.createFrom().failure(new IllegalStateException("flaky dependency, attempt " + attempt));
        }
        return heard(event, created.roomId());
    }

    private Uni<Void> ended(RoomEnded ended, IncomingEvent event) {
        attempts.computeIfAbsent(event.id(), id -> new AtomicInteger()).incrementAndGet();
        return heard(event, ended.roomId());
    }

    private static Uni<Void> heard(IncomingEvent event, UUID roomId) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery(
                        "INSERT INTO heard_event (event_id, room_id, type) VALUES (:eventId, :roomId, :type)")
                .setParameter("eventId", event.id()).setParameter("roomId", roomId).setParameter("type", event.type())
                .executeUpdate()).replaceWithVoid();
    }
}
