package dev.reprise.recording.messaging;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.EventJson;
import dev.reprise.contracts.EventType;
import dev.reprise.contracts.Topic;
import dev.reprise.contracts.room.EndReason;
import dev.reprise.contracts.room.RetentionPolicy;
import dev.reprise.contracts.room.RoomCreated;
import dev.reprise.contracts.room.RoomEnded;
import dev.reprise.contracts.room.RoomSettings;
import dev.reprise.contracts.room.SpeakerAdded;
import dev.reprise.stack.testing.LocalStackTestResource;
import dev.reprise.stack.testing.TestEvents;
import dev.reprise.stack.testing.TestTokens;
import dev.reprise.stack.testing.TopicTail;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** room-service's events, produced as room-service's relay produces them, read by recording-service. */
@QuarkusTest
@WithTestResource(value = LocalStackTestResource.class,
        initArgs = @ResourceArg(name = "service", value = "recording-service"))
class RoomEventsConsumerTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    Pool pool;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private KafkaProducer<String, byte[]> producer;

    @BeforeEach
    void connect() {
        producer = TestEvents.producer(bootstrapServers);
    }

    @AfterEach
    void disconnect() {
        producer.close();
    }

    @Test
    void aRedeliveredEventHasOneEffect() throws Exception {
        UUID roomId = UUID.randomUUID();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        send(EventCatalog.ROOM_CREATED, UUID.randomUUID().toString(), roomId, new RoomCreated(roomId, "host", "Show",
                new RoomSettings(true, false, false, RetentionPolicy.EPHEMERAL), now));
        String consentEventId = UUID.randomUUID().toString();
        SpeakerAdded added = new SpeakerAdded(roomId, "alice", true, now.plusSeconds(1));
        send(EventCatalog.SPEAKER_ADDED, consentEventId, roomId, added);
        send(EventCatalog.SPEAKER_ADDED, consentEventId, roomId, added); // the relay's duplicate after a crash
        send(EventCatalog.ROOM_ENDED, UUID.randomUUID().toString(), roomId,
                new RoomEnded(roomId, "host", EndReason.HOST_ENDED, RetentionPolicy.EPHEMERAL, null, now.plusSeconds(2)));

        awaitRow("SELECT status FROM room_policy WHERE room_id = $1 AND status = 'ENDED'", roomId);
        assertThat(count("SELECT count(*) FROM speaker_consent WHERE room_id = $1", roomId)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM processed_event WHERE event_id = $1", consentEventId)).isEqualTo(1);
        Row policy = query("SELECT * FROM room_policy WHERE room_id = $1", roomId).iterator().next();
        assertThat(policy.getString("retention_policy")).isEqualTo("EPHEMERAL");
        assertThat(policy.getBoolean("recording_enabled")).isTrue();
    }

    @Test
    void anEventThatCannotBeProcessedIsDeadLetteredAndThePartitionMovesOn() throws Exception {
        UUID roomId = UUID.randomUUID();
        try (TopicTail deadLetters = TopicTail.fromEnd(Topic.deadLetterTopic("recording-service"))) {
            // No CloudEvents headers at all: nothing can make sense of it, so no retry helps.
            producer.send(new ProducerRecord<>(Topic.ROOM.topicName(), roomId.toString(),
                    "{\"not\":\"an event\"}".getBytes(StandardCharsets.UTF_8))).get();
            // Headers fine, data of the wrong shape.
            ProducerRecord<String, byte[]> malformed = record(EventCatalog.ROOM_CREATED, UUID.randomUUID().toString(),
                    roomId, "{\"roomId\": 42}".getBytes(StandardCharsets.UTF_8));
            producer.send(malformed).get();
            // Then a good event on the same key, so on the same partition, behind the poison.
            send(EventCatalog.ROOM_CREATED, UUID.randomUUID().toString(), roomId, new RoomCreated(roomId, "host",
                    "After poison", new RoomSettings(false, false, false, RetentionPolicy.SAVED), Instant.now()));

            awaitRow("SELECT room_id FROM room_policy WHERE room_id = $1", roomId);
            var dead = deadLetters.awaitRecords(record -> roomId.toString().equals(record.key()), 2, WAIT);
            assertThat(dead).allSatisfy(record -> assertThat(record.headers().lastHeader("dead-letter-reason")).isNotNull());
            assertThat(new String(dead.get(0).headers().lastHeader("dead-letter-reason").value(), StandardCharsets.UTF_8))
                    .contains("ce_id");
            assertThat(new String(dead.get(1).headers().lastHeader("dead-letter-reason").value(), StandardCharsets.UTF_8))
                    .contains("malformed");
        }
    }

    @Test
    void anEventWhosePredecessorIsMissingIsDeadLetteredAndAppliesWhenReplayedAfterIt() throws Exception {
        UUID roomId = UUID.randomUUID();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String endedId = UUID.randomUUID().toString();
        try (TopicTail deadLetters = TopicTail.fromEnd(Topic.deadLetterTopic("recording-service"))) {
            // The room's creation never reached this service: its end cannot apply, and is not dropped either.
            send(EventCatalog.ROOM_ENDED, endedId, roomId,
                    new RoomEnded(roomId, "host", EndReason.HOST_ENDED, RetentionPolicy.SAVED, null, now));
            var dead = deadLetters.awaitRecords(record -> roomId.toString().equals(record.key()), 1, WAIT);
            assertThat(new String(dead.get(0).headers().lastHeader("dead-letter-reason").value(), StandardCharsets.UTF_8))
                    .contains("creation was never applied");
        }
        send(EventCatalog.ROOM_CREATED, UUID.randomUUID().toString(), roomId, new RoomCreated(roomId, "host", "Late",
                new RoomSettings(true, false, false, RetentionPolicy.SAVED), now.minusSeconds(60)));
        awaitRow("SELECT room_id FROM room_policy WHERE room_id = $1", roomId);

        given().auth().oauth2(TestTokens.forUser("someone")).post("/admin/dead-letters/replay").then().statusCode(403);
        for (int replay = 0; replay < 2; replay++) {
            given().auth().oauth2(TestTokens.forOperator("ops")).post("/admin/dead-letters/replay").then()
                    .statusCode(200).body("applied", org.hamcrest.Matchers.greaterThanOrEqualTo(1));
        }
        Row policy = query("SELECT * FROM room_policy WHERE room_id = $1", roomId).iterator().next();
        assertThat(policy.getString("status")).isEqualTo("ENDED");
        assertThat(count("SELECT count(*) FROM processed_event WHERE event_id = $1", endedId))
                .as("two replays, one effect").isEqualTo(1);
        given().auth().oauth2(TestTokens.forOperator("ops")).get("/admin/dead-letters").then().statusCode(200)
                .body("findAll { it.eventId == '" + endedId + "' }.reason[0]",
                        org.hamcrest.Matchers.containsString("creation was never applied"));
    }

    private <T> void send(EventType<T> type, String eventId, UUID roomId, T data) throws Exception {
        producer.send(record(type, eventId, roomId, EventJson.write(data))).get();
    }

    private static ProducerRecord<String, byte[]> record(EventType<?> type, String eventId, UUID roomId, byte[] data) {
        return TestEvents.roomRecord(type.type(), eventId, roomId, data);
    }

    private RowSet<Row> query(String sql, Object parameter) {
        return pool.preparedQuery(sql).execute(Tuple.of(parameter)).await().atMost(Duration.ofSeconds(10));
    }

    private long count(String sql, Object parameter) {
        return query(sql, parameter).iterator().next().getLong(0);
    }

    private void awaitRow(String sql, Object parameter) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (query(sql, parameter).size() == 0) {
            assertThat(System.nanoTime()).as("a row for: " + sql).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
