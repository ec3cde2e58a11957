package dev.reprise.platform.inbox;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.EventJson;
import dev.reprise.contracts.EventType;
import dev.reprise.contracts.Topic;
import dev.reprise.contracts.room.EndReason;
import dev.reprise.contracts.room.ParticipantJoined;
import dev.reprise.contracts.room.ParticipantRole;
import dev.reprise.contracts.room.RetentionPolicy;
import dev.reprise.contracts.room.RoomCreated;
import dev.reprise.contracts.room.RoomEnded;
import dev.reprise.contracts.room.RoomSettings;
import dev.reprise.contracts.CloudEventHeaders;
import dev.reprise.platform.testapp.BrokerFreezingInterceptor;
import dev.reprise.platform.testapp.HeardEvents;
import dev.reprise.platform.testapp.PlatformTestResource;
import dev.reprise.stack.testing.StackFaults;
import dev.reprise.stack.testing.TestEvents;
import dev.reprise.stack.testing.TopicTail;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The inbox, through a real Kafka consumer channel, under poison, outages and concurrent duplicates. */
@QuarkusTest
@WithTestResource(PlatformTestResource.class)
class InboxTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String DEAD_LETTERS = Topic.deadLetterTopic(PlatformTestResource.APPLICATION);

    @Inject
    Pool pool;

    @Inject
    HeardEvents heard;

    @Inject
    ProcessedEventPruner pruner;

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
    void aRedeliveredEventHasOneEffectAndUnhandledTypesLeaveNoTrace() throws Exception {
        UUID room = UUID.randomUUID();
        String created = send(EventCatalog.ROOM_CREATED, room, created(room, "Show"));
        send(EventCatalog.ROOM_CREATED, created, room, created(room, "Show")); // the relay's duplicate after a crash
        String joined = send(EventCatalog.PARTICIPANT_JOINED, room,
                new ParticipantJoined(room, "ann", ParticipantRole.LISTENER, Instant.now()));
        String ended = send(EventCatalog.ROOM_ENDED, room, ended(room));

        awaitHeard(ended);
        assertThat(count("SELECT count(*) FROM heard_event WHERE event_id = $1", created)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM processed_event WHERE event_id = $1", created)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM processed_event WHERE event_id = $1", joined))
                .as("an event no handler wants is not recorded").isZero();
    }

    @Test
    void poisonIsDeadLetteredAtOnceWithItsReasonAndThePartitionMovesOn() throws Exception {
        UUID room = UUID.randomUUID();
        try (TopicTail deadLetters = TopicTail.fromEnd(DEAD_LETTERS)) {
            producer.send(new ProducerRecord<>(Topic.ROOM.topicName(), room.toString(),
                    "{\"not\":\"an event\"}".getBytes(StandardCharsets.UTF_8))).get();
            producer.send(record(EventCatalog.ROOM_CREATED.type(), UUID.randomUUID().toString(), room,
                    "{\"roomId\": 42}".getBytes(StandardCharsets.UTF_8))).get();
            producer.send(record("dev.reprise.room.created.v9", UUID.randomUUID().toString(), room,
                    EventJson.write(created(room, "from the future")))).get();
            String poison = send(EventCatalog.ROOM_CREATED, room, created(room, "poison"));
            String good = send(EventCatalog.ROOM_ENDED, room, ended(room));

            awaitHeard(good);
            List<ConsumerRecord<String, byte[]>> dead = deadLetters.readUntilQuiet(r -> room.toString().equals(r.key()),
                    Duration.ofSeconds(3), WAIT);
            assertThat(dead).extracting(r -> header(r, "dead-letter-reason")).satisfiesExactly(
                    reason -> assertThat(reason).contains("ce_id"),
                    reason -> assertThat(reason).contains("malformed"),
                    reason -> assertThat(reason).contains("dev.reprise.room.created.v9"),
                    reason -> assertThat(reason).contains("is poison"));
            assertThat(dead).allSatisfy(r -> assertThat(header(r, "dead-letter-topic")).isEqualTo(Topic.ROOM.topicName()));
            assertThat(heard.attemptsAt(poison)).as("poison is not retried").isEqualTo(1);
            assertThat(count("SELECT count(*) FROM processed_event WHERE event_id = $1", poison)).isZero();
        }
    }

    @Test
    void aTransientFailureIsRetriedUntilItSucceedsAndNeverDeadLettered() throws Exception {
        UUID room = UUID.randomUUID();
        try (TopicTail deadLetters = TopicTail.fromEnd(DEAD_LETTERS)) {
            // More failures than the old inbox's three retries allowed before it dead-lettered a good event.
            String flaky = send(EventCatalog.ROOM_CREATED, room, created(room, "flaky:8"));
            awaitHeard(flaky);
            assertThat(heard.attemptsAt(flaky)).isEqualTo(9);
            assertThat(count("SELECT count(*) FROM heard_event WHERE event_id = $1", flaky)).isEqualTo(1);
            assertThat(deadLetters.readUntilQuiet(r -> room.toString().equals(r.key()), Duration.ofSeconds(2), WAIT))
                    .isEmpty();
        }
    }

    @Test
    void eventsArrivingWhileTheDatabaseIsDownForThirtySecondsAreAppliedOnceItIsBack() throws Exception {
        UUID room = UUID.randomUUID();
        List<String> sent = new java.util.ArrayList<>();
        try (TopicTail deadLetters = TopicTail.fromEnd(DEAD_LETTERS)) {
            StackFaults.stopPostgres();
            try {
                for (int i = 0; i < 5; i++) {
                    UUID other = UUID.randomUUID();
                    sent.add(send(EventCatalog.ROOM_CREATED, other, created(other, "during the outage " + i)));
                }
                sent.add(send(EventCatalog.ROOM_ENDED, room, ended(room)));
                Thread.sleep(30_000); // the outage itself: the consumer keeps failing and retrying meanwhile
                given().get("/q/health/well").then().statusCode(503);
            } finally {
                StackFaults.startPostgres();
            }
            for (String eventId : sent) {
                awaitHeard(eventId);
                assertThat(count("SELECT count(*) FROM heard_event WHERE event_id = $1", eventId)).isEqualTo(1);
            }
            assertThat(deadLetters.readUntilQuiet(r -> true, Duration.ofSeconds(2), WAIT)).isEmpty();
            given().get("/q/health/well").then().statusCode(200);
        }
    }

    @Test
    void aDuplicateDeliveredConcurrentlyHasOneEffect() throws Exception {
        UUID room = UUID.randomUUID();
        String eventId = UUID.randomUUID().toString();
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>(Topic.ROOM.topicName(), 0, 0L, room.toString(),
                EventJson.write(ended(room)));
        for (var header : record(EventCatalog.ROOM_ENDED.type(), eventId, room, new byte[0]).headers()) {
            record.headers().add(header);
        }
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            Callable<Void> deliver = () -> {
                try {
                    return VertxContextSupport.subscribeAndAwait(() -> heard.consumer().handle(record));
                } catch (Throwable e) {
                    throw new IllegalStateException(e);
                }
            };
            List<Future<Void>> deliveries = threads.invokeAll(List.of(deliver, deliver, deliver, deliver));
            for (Future<Void> delivery : deliveries) {
                delivery.get(30, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(count("SELECT count(*) FROM heard_event WHERE event_id = $1", eventId)).isEqualTo(1);
    }

    /**
     * The outage that once ended recording-service's consumer for good: the broker stops answering for longer
     * than the client's 60 s API time-out just as the consumer receives the first record of a partition it has
     * been (re)assigned. A connector that looks up the partition's committed offset then (the throttled commit
     * strategy does) fails the channel, which never restarts. Our consumers must come back by themselves.
     */
    @Test
    void theConsumerRecoversByItselfFromABrokerThatStopsAnsweringForLongerThanAMinuteAsARecordArrives()
            throws Exception {
        String topic = Topic.ROOM.topicName();
        int partitions = producer.partitionsFor(topic).size();
        List<String> warmUp = new ArrayList<>();
        for (int partition = 0; partition < partitions; partition++) {
            UUID room = UUID.randomUUID();
            warmUp.add(send(toPartition(partition, EventCatalog.ROOM_CREATED, room, created(room, "warm-up"))));
        }
        for (String eventId : warmUp) {
            awaitHeard(eventId);
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
            // Nothing left to redeliver, then a rebalance: after it, every partition's next record is its first.
            awaitEverythingCommitted(admin, topic);
            rebalanceTheApplicationsGroup(admin, topic);
        }
        UUID room = UUID.randomUUID();
        String trigger = UUID.randomUUID().toString();
        ProducerRecord<String, byte[]> record = toPartition(0, EventCatalog.ROOM_CREATED, room, created(room, "freeze"));
        record.headers().add(BrokerFreezingInterceptor.HEADER, trigger.getBytes(StandardCharsets.UTF_8));
        String triggerEvent = send(record);
        try {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!BrokerFreezingInterceptor.frozeFor(trigger)) {
                assertThat(System.nanoTime()).as("the consumer fetched the trigger").isLessThan(deadline);
                Thread.sleep(50);
            }
            Thread.sleep(75_000); // the outage: longer than the client's 60 s API time-out
        } finally {
            StackFaults.thawKafka();
        }
        awaitHeard(triggerEvent);
        UUID after = UUID.randomUUID();
        awaitHeard(send(EventCatalog.ROOM_CREATED, after, created(after, "after the outage")));
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void processedEventsAreForgottenAfterTheRetentionWindow() {
        String old = "old-" + UUID.randomUUID();
        String recent = "recent-" + UUID.randomUUID();
        pool.preparedQuery("""
                INSERT INTO processed_event (consumer, event_id, event_type, processed_at)
                VALUES ('test', $1, 't', $3), ('test', $2, 't', now())""")
                .execute(Tuple.of(old, recent, Instant.now().minus(20, ChronoUnit.DAYS).atOffset(ZoneOffset.UTC)))
                .await().atMost(WAIT);
        long deleted = pruner.prune(Instant.now().minus(14, ChronoUnit.DAYS)).await().atMost(WAIT);
        assertThat(deleted).isGreaterThanOrEqualTo(1);
        assertThat(count("SELECT count(*) FROM processed_event WHERE event_id = $1", old)).isZero();
        assertThat(count("SELECT count(*) FROM processed_event WHERE event_id = $1", recent)).isEqualTo(1);
    }

    private static RoomCreated created(UUID room, String title) {
        return new RoomCreated(room, "host", title, new RoomSettings(true, false, false, RetentionPolicy.SAVED),
                Instant.now());
    }

    private static RoomEnded ended(UUID room) {
        return new RoomEnded(room, "host", EndReason.HOST_ENDED, RetentionPolicy.SAVED, null, Instant.now());
    }

    private <T> String send(EventType<T> type, UUID roomId, T data) throws Exception {
        return send(type, UUID.randomUUID().toString(), roomId, data);
    }

    private <T> String send(EventType<T> type, String eventId, UUID roomId, T data) throws Exception {
        producer.send(record(type.type(), eventId, roomId, EventJson.write(data))).get(30, TimeUnit.SECONDS);
        return eventId;
    }

    /** Sends {@code record}; returns its event id. */
    private String send(ProducerRecord<String, byte[]> record) throws Exception {
        producer.send(record).get(30, TimeUnit.SECONDS);
        return header(record.headers().lastHeader(CloudEventHeaders.ID).value());
    }

    private static <T> ProducerRecord<String, byte[]> toPartition(int partition, EventType<T> type, UUID roomId, T data) {
        ProducerRecord<String, byte[]> keyed = record(type.type(), UUID.randomUUID().toString(), roomId,
                EventJson.write(data));
        return new ProducerRecord<>(keyed.topic(), partition, keyed.key(), keyed.value(), keyed.headers());
    }

    private static String header(byte[] value) {
        return new String(value, StandardCharsets.UTF_8);
    }

    /** Waits until the application's group has committed every partition of {@code topic} up to its end. */
    private static void awaitEverythingCommitted(Admin admin, String topic) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin
                    .listConsumerGroupOffsets(PlatformTestResource.APPLICATION).partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
            committed.keySet().stream().filter(partition -> partition.topic().equals(topic))
                    .forEach(partition -> ends.put(partition, OffsetSpec.latest()));
            var endOffsets = admin.listOffsets(ends).all().get(30, TimeUnit.SECONDS);
            boolean caughtUp = !ends.isEmpty() && ends.keySet().stream()
                    .allMatch(partition -> committed.get(partition).offset() >= endOffsets.get(partition).offset());
            if (caughtUp) {
                return;
            }
            assertThat(System.nanoTime()).as("the group committed %s up to its end", topic).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /**
     * A second member joins the application's group and leaves again: the application gives up its partitions
     * and gets them back, as after any rebalance. It reads nothing and commits nothing.
     */
    private void rebalanceTheApplicationsGroup(Admin admin, String topic) throws Exception {
        try (KafkaConsumer<String, byte[]> member = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrapServers,
                "group.id", PlatformTestResource.APPLICATION, "enable.auto.commit", false, "max.poll.records", 1),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            member.subscribe(List.of(topic));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (member.assignment().isEmpty()) {
                assertThat(System.nanoTime()).as("the second member got partitions").isLessThan(deadline);
                member.poll(Duration.ofMillis(200));
            }
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(PlatformTestResource.APPLICATION))
                    .all().get(30, TimeUnit.SECONDS).get(PlatformTestResource.APPLICATION);
            if (group.groupState() == GroupState.STABLE && group.members().size() == 1
                    && !group.members().iterator().next().assignment().topicPartitions().isEmpty()) {
                return;
            }
            assertThat(System.nanoTime()).as("the application alone in its group again").isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    private static ProducerRecord<String, byte[]> record(String type, String eventId, UUID roomId, byte[] data) {
        return TestEvents.roomRecord(type, eventId, roomId, data);
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private long count(String sql, Object parameter) {
        return pool.preparedQuery(sql).execute(Tuple.of(parameter)).await().atMost(WAIT).iterator().next().getLong(0);
    }

    private void awaitHeard(String eventId) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                if (count("SELECT count(*) FROM heard_event WHERE event_id = $1", eventId) > 0) {
                    return;
                }
            } catch (RuntimeException databaseNotBackYet) {
                // the pool reconnects on the next try
            }
            assertThat(System.nanoTime()).as("event %s applied in time", eventId).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
