package dev.reprise.platform.inbox;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import dev.reprise.contracts.Topic;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * Idempotent consumption: an event's effect and the record that it was processed commit together, so a
 * redelivered event (consumer restart, relay duplicate, a replica processing it at the same time) finds the
 * record and has no second effect.
 *
 * <p>Failures are sorted by whether anything could ever make them succeed. Poison (no usable envelope, data that
 * does not read as its type, a type or version this build does not know, or a handler's
 * {@link PoisonEventException}) is dead-lettered at once, with the reason in the record's headers. Anything else
 * (the database down or failing over, a time-out, a conflict, a bug) is retried with back-off and without limit
 * while the partition waits: an event is never dropped because a dependency was briefly away, and a consumer that
 * stays stuck shows in {@code /q/health/well} and the {@code reprise.inbox.retries} metric.
 */
@ApplicationScoped
public class Inbox {

    private static final Logger LOG = Logger.getLogger(Inbox.class);

    private final InboxConfig config;
    private final Counter retries;
    private final Counter deadLettered;
    private final Map<String, Retrying> retrying = new ConcurrentHashMap<>();
    private final Map<String, InboxConsumer> consumers = new ConcurrentHashMap<>();

    public Inbox(InboxConfig config, MeterRegistry registry) {
        this.config = config;
        this.retries = registry.counter("reprise.inbox.retries");
        this.deadLettered = registry.counter("reprise.inbox.dead.lettered");
    }

    /**
     * A consumer named {@code name} of {@code topic}: the name is stable, since its processed events are remembered
     * under it; the topic routes the records of a dead-letter replay back to it.
     */
    public InboxConsumer consumer(String name, Topic topic) {
        InboxConsumer consumer = new InboxConsumer(name, topic, this);
        if (consumers.putIfAbsent(name, consumer) != null) {
            throw new IllegalStateException("Two inbox consumers are named " + name);
        }
        return consumer;
    }

    /** The consumers of {@code topicName}, for a dead-letter replay. */
    public List<InboxConsumer> consumersOf(String topicName) {
        return consumers.values().stream().filter(c -> c.topic().topicName().equals(topicName)).toList();
    }

    /** An event being retried now, as health shows it. */
    public record Retrying(String consumer, String eventId, String type, Instant since, AtomicInteger attempts,
            String lastError) {
    }

    /** Events being retried now, by consumer and event id. */
    public Map<String, Retrying> retrying() {
        return Map.copyOf(retrying);
    }

    InboxConfig config() {
        return config;
    }

    Uni<Void> processOnce(String consumer, ConsumerRecord<String, byte[]> record, IncomingEvent event,
            Supplier<Uni<?>> effect) {
        // The database ends a statement that outlives the attempt, so an abandoned attempt frees its connection.
        long statementTimeout = Math.max(1_000, config.attemptTimeout().toMillis() - 1_000);
        Uni<Void> attempt = Uni.createFrom().deferred(() -> Panache.withTransaction(
                        () -> markProcessed(consumer, event, statementTimeout)
                                .flatMap(first -> first ? effect.get().replaceWithVoid() : skipDuplicate(consumer, event))))
                .ifNoItem().after(config.attemptTimeout()).fail()
                .onFailure().transform(Inbox::poisonWithin);
        String retryKey = consumer + "/" + event.id();
        return attempt
                .onFailure(failure -> !(failure instanceof PoisonEventException))
                .invoke(failure -> noteRetry(retryKey, consumer, event, failure))
                .onFailure(failure -> !(failure instanceof PoisonEventException))
                .retry().withBackOff(config.initialBackoff(), config.maxBackoff()).withJitter(0.2).indefinitely()
                .onTermination().invoke(() -> retrying.remove(retryKey));
    }

    /** Poison wrapped by the transaction machinery (a failed rollback, a completion wrapper) is still poison. */
    private static Throwable poisonWithin(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof PoisonEventException poison) {
                return poison;
            }
            if (cause instanceof io.smallrye.mutiny.CompositeException composite) {
                for (Throwable part : composite.getCauses()) {
                    if (part instanceof PoisonEventException poison) {
                        return poison;
                    }
                }
            }
        }
        return failure;
    }

    /** The channel's dead-letter strategy is about to put the record on the dead-letter topic with the reason. */
    void deadLettering(String consumer, ConsumerRecord<String, byte[]> record, Throwable poison) {
        deadLettered.increment();
        LOG.errorf("Dead-lettering the record at %s-%d@%d for %s: %s", record.topic(), record.partition(),
                record.offset(), consumer, poison.getMessage());
    }

    private void noteRetry(String retryKey, String consumer, IncomingEvent event, Throwable failure) {
        retries.increment();
        Retrying current = retrying.compute(retryKey, (key, previous) -> previous != null
                ? new Retrying(consumer, event.id(), event.type(), previous.since(), previous.attempts(), failure.toString())
                : new Retrying(consumer, event.id(), event.type(), Instant.now(), new AtomicInteger(), failure.toString()));
        int attempts = current.attempts().incrementAndGet();
        // Every failure of a short outage is worth a line; a long one every tenth attempt.
        if (attempts <= 5 || attempts % 10 == 0) {
            LOG.warnf("Event %s (%s) failed for %s, attempt %d; retrying with back-off: %s", event.id(), event.type(),
                    consumer, attempts, failure.toString());
        }
    }

    /** One statement: the attempt's statement time-out for the rest of the transaction, and the record. */
    private static Uni<Boolean> markProcessed(String consumer, IncomingEvent event, long statementTimeoutMillis) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery("""
                        WITH attempt AS (SELECT set_config('statement_timeout', :timeout, true))
                        INSERT INTO processed_event (consumer, event_id, event_type, processed_at)
                        SELECT :consumer, :eventId, :eventType, now() FROM attempt
                        ON CONFLICT DO NOTHING""")
                .setParameter("timeout", Long.toString(statementTimeoutMillis))
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
