package dev.reprise.platform.outbox;

import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.room.RetentionPolicy;
import dev.reprise.contracts.room.RoomCreated;
import dev.reprise.contracts.room.RoomSettings;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;

/** Writes outbox events and builds relays for the outbox tests. */
final class OutboxFixture {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Pool pool;
    private final Outbox outbox;
    private final String bootstrapServers;

    OutboxFixture(Pool pool, Outbox outbox, String bootstrapServers) {
        this.pool = pool;
        this.outbox = outbox;
        this.bootstrapServers = bootstrapServers;
    }

    /** Writes {@code count} room.created events of {@code key}, one transaction each; returns their ids in order. */
    List<String> write(String key, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(write(key, "event " + i));
        }
        return ids;
    }

    String write(String key, String title) {
        pool.withTransaction(connection -> outbox.add(connection, EventCatalog.ROOM_CREATED, key,
                created(key, title), Instant.now())).await().atMost(TIMEOUT);
        return lastEventId(key);
    }

    /** A row as Outbox.add writes it, on any topic and with any payload: for what Outbox.add itself refuses. */
    String writeRaw(String topic, String key, String payload) {
        UUID eventId = UUID.randomUUID();
        pool.withTransaction(connection -> connection.preparedQuery(Outbox.INSERT_SQL).execute(Tuple.from(new Object[] {
                eventId, topic, key, Outbox.slotOf(key), EventCatalog.ROOM_CREATED.type(), "/reprise/platform-test", key,
                Instant.now().atOffset(ZoneOffset.UTC), payload }))).await().atMost(TIMEOUT);
        return eventId.toString();
    }

    static RoomCreated created(String key, String title) {
        return new RoomCreated(UUID.fromString(key), "host", title,
                new RoomSettings(true, false, false, RetentionPolicy.SAVED), Instant.now());
    }

    private String lastEventId(String key) {
        return pool.preparedQuery("SELECT event_id FROM outbox_event WHERE record_key = $1 ORDER BY id DESC LIMIT 1")
                .execute(Tuple.of(key)).await().atMost(TIMEOUT).iterator().next().getUUID(0).toString();
    }

    long pendingOf(List<String> keys) {
        return pool.preparedQuery("SELECT count(*) FROM outbox_event WHERE record_key = ANY($1)")
                .execute(Tuple.of(keys.toArray(new String[0]))).await().atMost(TIMEOUT).iterator().next().getLong(0);
    }

    Map<String, Object> kafkaConfig() {
        return Map.of("bootstrap.servers", bootstrapServers);
    }

    OutboxRelay relay(OutboxRelay.Settings settings) {
        return OutboxRelay.create(pool, kafkaConfig(), "platform-test-relay-" + UUID.randomUUID(), settings);
    }

    /** A relay whose producer is made by {@code producer} from the relay's own producer settings. */
    OutboxRelay relay(OutboxRelay.Settings settings,
            java.util.function.Function<Map<String, Object>, KafkaProducer<String, byte[]>> producer) {
        Map<String, Object> config = OutboxRelay.producerConfig(kafkaConfig(), "platform-test-relay-" + UUID.randomUUID(),
                settings.sendTimeout());
        Supplier<Producer<String, byte[]>> producers = () -> producer.apply(config);
        return new OutboxRelay(pool, producers, settings);
    }

    static OutboxRelay.Settings settings(int batchSize) {
        return new OutboxRelay.Settings(batchSize, 8, Duration.ofSeconds(10), Duration.ofSeconds(1));
    }

    /** Runs rounds until three in a row publish nothing; returns how many events it published. */
    static int drain(OutboxRelay relay) {
        int total = 0;
        for (int idleRounds = 0; idleRounds < 3; ) {
            int published = relay.publishPending().published();
            total += published;
            idleRounds = published == 0 ? idleRounds + 1 : 0;
        }
        return total;
    }
}
