package dev.reprise.platform.inbox;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * Idempotent consumption: an event's effect and the record that it was processed commit together,
 * so a redelivered event (consumer restart, relay duplicate) finds the record and has no second effect.
 *
 * <p>Use from an {@code @Incoming} method that takes a {@code ConsumerRecord<String, byte[]>} and returns
 * the {@code Uni}. A failure is retried with backoff; what still fails, and any poison event at once,
 * fails the message, which the channel's {@code dead-letter-queue} failure strategy sends to the
 * service's dead-letter topic with the error, so the partition moves on.
 */
@ApplicationScoped
public class Inbox {

    private static final Logger LOG = Logger.getLogger(Inbox.class);

    private final InboxConfig config;

    public Inbox(InboxConfig config) {
        this.config = config;
    }

    /**
     * Runs {@code effect} once per CloudEvents id for {@code consumer}, in one transaction with the
     * processed-event record.
     *
     * @param consumer a stable name of the consuming logic; two consumers of one event each run once
     */
    public Uni<Void> processOnce(String consumer, ConsumerRecord<String, byte[]> record,
            Function<IncomingEvent, Uni<?>> effect) {
        IncomingEvent event;
        try {
            event = IncomingEvent.from(record);
        } catch (PoisonEventException e) {
            LOG.errorf("Dead-lettering a record of %s: %s", record.topic(), e.getMessage());
            return Uni.createFrom().failure(e);
        }
        return Uni.createFrom().deferred(() -> Panache.withTransaction(() -> markProcessed(consumer, event)
                        .flatMap(first -> first ? effect.apply(event).replaceWithVoid() : skipDuplicate(consumer, event))))
                .onFailure(failure -> !(failure instanceof PoisonEventException))
                .retry().withBackOff(config.initialBackoff(), config.maxBackoff()).atMost(config.attempts() - 1L)
                .onFailure().invoke(failure -> LOG.errorf(failure, "Dead-lettering event %s (%s) for %s",
                        event.id(), event.type(), consumer));
    }

    private static Uni<Boolean> markProcessed(String consumer, IncomingEvent event) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery("""
                        INSERT INTO processed_event (consumer, event_id, event_type, processed_at)
                        VALUES (:consumer, :eventId, :eventType, now())
                        ON CONFLICT DO NOTHING""")
                .setParameter("consumer", consumer)
                .setParameter("eventId", event.id())
                .setParameter("eventType", event.type())
                .executeUpdate())
                .map(inserted -> inserted == 1);
    }

    private static Uni<Void> skipDuplicate(String consumer, IncomingEvent event) {
        LOG.debugf("Event %s already processed by %s; redelivery ignored", event.id(), consumer);
        return Uni.createFrom().voidItem();
    }
}
