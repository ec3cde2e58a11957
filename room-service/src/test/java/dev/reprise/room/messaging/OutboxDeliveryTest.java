package dev.reprise.room.messaging;

import static dev.reprise.room.rest.RoomApi.as;
import static dev.reprise.room.rest.RoomApi.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;

import dev.reprise.contracts.CloudEventHeaders;
import dev.reprise.contracts.Topic;
import dev.reprise.platform.outbox.OutboxRelay;
import dev.reprise.platform.outbox.OutboxRelayService;
import dev.reprise.stack.testing.LocalStackTestResource;
import dev.reprise.stack.testing.TopicTail;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The outbox loses nothing when publishing stops or the service restarts, and relays never reorder a room. */
@QuarkusTest
@WithTestResource(value = LocalStackTestResource.class,
        initArgs = @ResourceArg(name = "service", value = "room-service"))
class OutboxDeliveryTest {

    @Inject
    OutboxRelayService relayService;

    @Inject
    Pool pool;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @AfterEach
    void resumeRelay() {
        relayService.resume();
    }

    @Test
    void eventsCommittedWhileNoRelayRunsArePublishedByTheNextRelayExactlyOnce() throws Exception {
        relayService.pause();
        String host = uniqueUser("host");
        try (TopicTail roomTopic = TopicTail.fromEnd(Topic.ROOM.topicName())) {
            String roomId = as(host).body(Map.of("title", "Outbox")).post("/rooms").then().statusCode(201)
                    .extract().path("id");
            assertThat(outboxRows(roomId)).hasSize(1);
            assertThat(roomTopic.recordsWithin(record -> roomId.equals(record.key()), Duration.ofSeconds(2))).isEmpty();

            // A service restarted after the commit: a brand-new relay with its own producer finds the row.
            try (KafkaProducer<String, byte[]> producer = newProducer()) {
                int published = new OutboxRelay(pool, producer, 100, Duration.ofSeconds(30)).publishPending();
                assertThat(published).isGreaterThanOrEqualTo(1);
            }
            assertThat(outboxRows(roomId)).isEmpty();
            relayService.resume();
            List<ConsumerRecord<String, byte[]>> events =
                    roomTopic.recordsWithin(record -> roomId.equals(record.key()), Duration.ofSeconds(3));
            assertThat(events).hasSize(1);
        }
    }

    @Test
    void twoRelaysOnOneOutboxKeepEveryRoomsOrder() throws Exception {
        relayService.pause();
        String host = uniqueUser("host");
        List<String> roomIds = new ArrayList<>();
        for (int room = 0; room < 6; room++) {
            String roomId = as(host).body(Map.of("title", "Order " + room)).post("/rooms").then().statusCode(201)
                    .extract().path("id");
            roomIds.add(roomId);
        }
        for (int round = 0; round < 15; round++) {
            for (String roomId : roomIds) {
                String listener = "listener-" + round;
                as(listener).post("/rooms/{id}/join", roomId).then().statusCode(200);
                as(listener).post("/rooms/{id}/leave", roomId).then().statusCode(204);
            }
        }
        Map<String, List<String>> expected = new LinkedHashMap<>();
        for (Row row : pool.query("SELECT record_key, event_id FROM outbox_event ORDER BY id").execute()
                .await().atMost(Duration.ofSeconds(10))) {
            if (roomIds.contains(row.getString("record_key"))) {
                expected.computeIfAbsent(row.getString("record_key"), k -> new ArrayList<>())
                        .add(row.getUUID("event_id").toString());
            }
        }
        assertThat(expected.values().stream().mapToInt(List::size).sum()).isEqualTo(6 * 31);

        try (TopicTail roomTopic = TopicTail.fromEnd(Topic.ROOM.topicName())) {
            ExecutorService relays = Executors.newFixedThreadPool(2);
            try (KafkaProducer<String, byte[]> first = newProducer(); KafkaProducer<String, byte[]> second = newProducer()) {
                // Small batches so the two relays take turns on the same slots many times.
                List<Future<Integer>> runs = List.of(relays.submit(() -> drain(new OutboxRelay(pool, first, 7, Duration.ofSeconds(30)))),
                        relays.submit(() -> drain(new OutboxRelay(pool, second, 7, Duration.ofSeconds(30)))));
                int published = 0;
                for (Future<Integer> run : runs) {
                    published += run.get();
                }
                assertThat(published).isGreaterThanOrEqualTo(6 * 31);
            } finally {
                relays.shutdownNow();
            }
            List<ConsumerRecord<String, byte[]>> records = roomTopic.awaitRecords(
                    record -> roomIds.contains(record.key()), 6 * 31, Duration.ofSeconds(30));
            Map<String, Set<String>> delivered = new LinkedHashMap<>();
            for (ConsumerRecord<String, byte[]> record : records) {
                delivered.computeIfAbsent(record.key(), k -> new LinkedHashSet<>()).add(
                        new String(record.headers().lastHeader(CloudEventHeaders.ID).value(), StandardCharsets.UTF_8));
            }
            for (String roomId : roomIds) {
                assertThat(new ArrayList<>(delivered.get(roomId))).as("order of room " + roomId)
                        .containsExactlyElementsOf(expected.get(roomId));
            }
            // No relay crashed here, so no row may have been published twice.
            assertThat(records).hasSize(6 * 31);
        }
    }

    private static int drain(OutboxRelay relay) {
        int total = 0;
        for (int idleRounds = 0; idleRounds < 3; ) {
            int published = relay.publishPending();
            total += published;
            idleRounds = published == 0 ? idleRounds + 1 : 0;
        }
        return total;
    }

    private List<String> outboxRows(String roomId) {
        List<String> ids = new ArrayList<>();
        for (Row row : pool.preparedQuery("SELECT event_id FROM outbox_event WHERE record_key = $1 ORDER BY id")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(roomId)).await().atMost(Duration.ofSeconds(10))) {
            ids.add(row.getUUID("event_id").toString());
        }
        return ids;
    }

    private KafkaProducer<String, byte[]> newProducer() {
        return new KafkaProducer<>(OutboxRelayService.producerConfig(Map.of("bootstrap.servers", bootstrapServers)));
    }
}
