package dev.reprise.bench;

import dev.reprise.contracts.Topic;
import dev.reprise.platform.outbox.OutboxRelay;
import dev.reprise.stack.LocalStack;
import dev.reprise.stack.StackOptions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The outbox relay on the real local stack: drain rate of a large backlog with one relay and with two, and the
 * time of one round with a small and with a large backlog. Prints figures; asserts nothing.
 *
 * <pre>./reprise bench outbox [--backlog 1000000] [--batch 2000] [--rooms 10000]</pre>
 */
public final class OutboxBenchmark {

    private static final int ROUNDS_MEASURED = 30;

    public static void main(String[] args) throws Exception {
        int backlog = intOption(args, "--backlog", 1_000_000);
        int batch = intOption(args, "--batch", 2000);
        int rooms = intOption(args, "--rooms", 10_000);
        OutboxRelay.Settings settings = new OutboxRelay.Settings(batch, 8, Duration.ofSeconds(30), Duration.ofSeconds(30));
        System.out.printf("Outbox relay benchmark on %d cores: backlog %,d events over %,d keys, %d events a round%n",
                Runtime.getRuntime().availableProcessors(), backlog, rooms, batch);
        try (LocalStack stack = LocalStack.start(StackOptions.defaults());
                BenchDatabase database = new BenchDatabase(stack.serviceConfig("room-service"), 4)) {
            database.migratePlatform();
            Map<String, Object> kafka = Map.of("bootstrap.servers", stack.kafkaBootstrapServers());

            // A round of 500 in both cases, so a 1,000-row backlog still fills it.
            OutboxRelay.Settings rounds = new OutboxRelay.Settings(500, 8, Duration.ofSeconds(30), Duration.ofSeconds(30));
            try (OutboxRelay measured = OutboxRelay.create(database.pool, kafka, "bench-relay-rounds", rounds)) {
                fill(database, 1_000, rooms);
                measured.publishPending(); // producer and transactions warmed up
                double smallBacklog = medianRoundMillis(database, measured, 1_000, rooms);
                fill(database, backlog, rooms);
                double largeBacklog = medianRoundMillis(database, measured, -1, rooms);
                System.out.printf("one round of 500 events: %.1f ms with 1,000 pending, %.1f ms with %,d pending"
                        + " (ratio %.2f)%n", smallBacklog, largeBacklog, database.count(
                                "SELECT count(*) FROM outbox_event"), largeBacklog / smallBacklog);
                database.pool.query("DELETE FROM outbox_event").execute().await().indefinitely();
            }

            try (OutboxRelay relay = OutboxRelay.create(database.pool, kafka, "bench-relay-a", settings)) {

                long offsets = committedRecords(stack.kafkaBootstrapServers(), null);
                fill(database, backlog, rooms);
                double oneRelay = drain(database, List.of(relay), backlog);
                long published = committedRecords(stack.kafkaBootstrapServers(), offsets) ;
                System.out.printf("drain %,d events, one relay:  %,.0f events/s (%,d records readable on %s)%n",
                        backlog, oneRelay, published, Topic.ROOM.topicName());

                try (OutboxRelay second = OutboxRelay.create(database.pool, kafka, "bench-relay-b", settings)) {
                    fill(database, backlog, rooms);
                    double twoRelays = drain(database, List.of(relay, second), backlog);
                    System.out.printf("drain %,d events, two relays: %,.0f events/s%n", backlog, twoRelays);
                }
            }
        }
        // Client libraries may leave non-daemon threads behind; the figures are printed, so end here.
        System.exit(0);
    }

    /** Median time of a round; with {@code keepAt} > 0 the backlog is topped up to that before each round. */
    private static double medianRoundMillis(BenchDatabase database, OutboxRelay relay, int keepAt, int rooms)
            throws Exception {
        double[] millis = new double[ROUNDS_MEASURED];
        for (int round = -3; round < ROUNDS_MEASURED; round++) {
            if (keepAt > 0) {
                long pending = database.count("SELECT count(*) FROM outbox_event");
                if (pending < keepAt) {
                    fill(database, (int) (keepAt - pending), rooms);
                }
            }
            long start = System.nanoTime();
            OutboxRelay.Round done = relay.publishPending();
            if (round >= 0) {
                millis[round] = (System.nanoTime() - start) / 1e6;
            }
            if (done.published() == 0) {
                throw new IllegalStateException("a round published nothing: " + done + ", pending "
                        + database.count("SELECT count(*) FROM outbox_event"));
            }
        }
        Arrays.sort(millis);
        return millis[ROUNDS_MEASURED / 2];
    }

    private static double drain(BenchDatabase database, List<OutboxRelay> relays, int events) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(relays.size());
        long start = System.nanoTime();
        List<Future<Integer>> counts = new ArrayList<>();
        for (OutboxRelay relay : relays) {
            counts.add(threads.submit(() -> {
                int total = 0;
                for (int idle = 0; idle < 3; ) {
                    int published = relay.publishPending().published();
                    total += published;
                    idle = published == 0 ? idle + 1 : 0;
                }
                return total;
            }));
        }
        List<Integer> perRelay = new ArrayList<>();
        for (Future<Integer> count : counts) {
            perRelay.add(count.get());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        threads.shutdown();
        if (relays.size() > 1) {
            System.out.printf("  events per relay: %s%n", perRelay);
        }
        return perRelay.stream().mapToInt(Integer::intValue).sum() / seconds;
    }

    /** Pending events written straight into the table, {@code rooms} keys, as Outbox.add writes them. */
    private static void fill(BenchDatabase database, int events, int rooms) throws Exception {
        long start = System.nanoTime();
        try (Connection connection = database.jdbc(); PreparedStatement insert = connection.prepareStatement("""
                INSERT INTO outbox_event (event_id, topic, record_key, slot, event_type, source, subject, occurred_at, payload)
                SELECT gen_random_uuid(), ?, k.key, mod(abs(hashtext(k.key)), 16), 'dev.reprise.room.participant.joined.v1',
                       '/reprise/room-service', k.key, now(),
                       '{"roomId":"' || k.key || '","userId":"listener-' || i || '","role":"LISTENER","joinedAt":"2026-11-27T12:00:00Z"}'
                FROM generate_series(1, ?) AS i,
                     LATERAL (SELECT lpad(to_hex(i % ?), 32, '0')::uuid::text AS key) AS k""")) {
            insert.setString(1, Topic.ROOM.topicName());
            insert.setInt(2, events);
            insert.setInt(3, rooms);
            insert.executeUpdate();
        }
        if (events > 10_000) {
            try (Connection connection = database.jdbc()) {
                connection.createStatement().execute("ANALYZE outbox_event");
            }
            System.out.printf("  (wrote %,d pending events in %.1f s)%n", events, (System.nanoTime() - start) / 1e9);
        }
    }

    /** Records a read-committed consumer sees on the room topic, in all or since the given total. */
    private static long committedRecords(String bootstrap, Long since) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "group.id", "bench-" + UUID.randomUUID(), "isolation.level", "read_committed",
                "max.poll.records", 5000), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topic.ROOM.topicName()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long records = 0;
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                records += consumer.poll(Duration.ofMillis(500)).count();
            }
            return since == null ? records : records - since;
        }
    }

    static int intOption(String[] args, String name, int fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
