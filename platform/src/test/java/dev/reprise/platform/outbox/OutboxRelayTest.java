package dev.reprise.platform.outbox;

import static dev.reprise.platform.outbox.OutboxFixture.TIMEOUT;
import static dev.reprise.platform.outbox.OutboxFixture.drain;
import static dev.reprise.platform.outbox.OutboxFixture.settings;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.Topic;
import dev.reprise.platform.testapp.PlatformTestResource;
import dev.reprise.stack.testing.StackFaults;
import dev.reprise.stack.testing.TopicTail;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The outbox relay under faults, on the real broker and database. Every order and duplicate check reads the topic
 * until it is quiet and looks at the sequence a consumer deduplicating by {@code ce_id} would apply.
 */
@QuarkusTest
@WithTestResource(PlatformTestResource.class)
class OutboxRelayTest {

    private static final Duration QUIET = Duration.ofSeconds(3);
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @Inject
    Pool pool;

    @Inject
    Outbox outbox;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    OutboxFixture fixture;

    @BeforeEach
    void fixture() {
        fixture = new OutboxFixture(pool, outbox, bootstrapServers);
        // Rows other tests left (a refused record, say) must not stand in these tests' way.
        pool.query("DELETE FROM outbox_event").execute().await().atMost(TIMEOUT);
        pool.query("DELETE FROM outbox_blocked_key").execute().await().atMost(TIMEOUT);
    }

    @Test
    void eventsCommittedWhileNoRelayRunsArePublishedByTheNextRelayExactlyOnce() {
        String key = UUID.randomUUID().toString();
        List<String> written = fixture.write(key, 3);
        try (TopicTail room = TopicTail.fromEnd(Topic.ROOM.topicName());
                OutboxRelay relay = fixture.relay(settings(100))) {
            assertThat(drain(relay)).isEqualTo(3);
            List<ConsumerRecord<String, byte[]>> records = room.readUntilQuiet(r -> key.equals(r.key()), QUIET, LIMIT);
            assertThat(records).hasSize(3);
            assertThat(TopicTail.appliedIdsByKey(records).get(key)).containsExactlyElementsOf(written);
        }
        assertThat(fixture.pendingOf(List.of(key))).isZero();
    }

    /** The service's relay lingers between rounds only when a round left no slot with rows it could not take. */
    @Test
    void aRoundSaysWhetherASlotStillHasABacklog() {
        String key = UUID.randomUUID().toString();
        fixture.write(key, 25);
        try (OutboxRelay relay = fixture.relay(settings(10))) { // one slot has work, so it may give all ten
            List<Boolean> backlog = new ArrayList<>();
            List<Integer> published = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                OutboxRelay.Round done = relay.publishPending();
                published.add(done.published());
                backlog.add(done.backlog());
            }
            assertThat(published).containsExactly(10, 10, 5);
            assertThat(backlog).containsExactly(true, true, false);
        }
    }

    @Test
    void twoWritersOfOneKeyArePublishedInTheOrderTheyCommitted() throws Exception {
        String key = UUID.randomUUID().toString();
        SqlConnection first = pool.getConnection().await().atMost(TIMEOUT);
        SqlConnection second = pool.getConnection().await().atMost(TIMEOUT);
        List<String> commitOrder = new ArrayList<>();
        try {
            Transaction firstTx = first.begin().await().atMost(TIMEOUT);
            outbox.add(first, EventCatalog.ROOM_CREATED, key, OutboxFixture.created(key, "first"), Instant.now())
                    .await().atMost(TIMEOUT);
            Transaction secondTx = second.begin().await().atMost(TIMEOUT);
            CompletableFuture<Void> secondAdded = outbox.add(second, EventCatalog.ROOM_CREATED, key,
                    OutboxFixture.created(key, "second"), Instant.now()).subscribeAsCompletionStage();
            try {
                // Without a per-key lock the second row gets the larger id at once and may commit first.
                secondAdded.get(1, TimeUnit.SECONDS);
                secondTx.commit().await().atMost(TIMEOUT);
                commitOrder.add("second");
                firstTx.commit().await().atMost(TIMEOUT);
                commitOrder.add("first");
            } catch (TimeoutException waitingForTheKey) {
                firstTx.commit().await().atMost(TIMEOUT);
                commitOrder.add("first");
                secondAdded.get(10, TimeUnit.SECONDS);
                secondTx.commit().await().atMost(TIMEOUT);
                commitOrder.add("second");
            }
        } finally {
            first.close().await().atMost(TIMEOUT);
            second.close().await().atMost(TIMEOUT);
        }
        try (TopicTail room = TopicTail.fromEnd(Topic.ROOM.topicName());
                OutboxRelay relay = fixture.relay(settings(100))) {
            drain(relay);
            List<String> titles = room.readUntilQuiet(r -> key.equals(r.key()), QUIET, LIMIT).stream()
                    .map(r -> new String(r.value())).map(json -> json.contains("\"first\"") ? "first" : "second").toList();
            assertThat(titles).as("published order").containsExactlyElementsOf(commitOrder);
        }
    }

    @Test
    void anEventTooLargeForTheBrokerIsRefusedWhenWritten() {
        String key = UUID.randomUUID().toString();
        assertThatThrownBy(() -> fixture.write(key, "x".repeat(1_100_000)))
                .isInstanceOf(Outbox.EventTooLargeException.class).hasMessageContaining("max-event-bytes");
        assertThat(fixture.pendingOf(List.of(key))).isZero();
    }

    @Test
    void aRecordTheBrokerRefusesHoldsBackOnlyItsKeyInOrderAndShowsInHealth() throws Exception {
        String blocked = UUID.randomUUID().toString();
        String other = UUID.randomUUID().toString();
        String topic = Topic.TRANSCRIPT.topicName();
        String small = "{\"n\":1}";
        setMaxMessageBytes(topic, "20000");
        try (TopicTail tail = TopicTail.fromEnd(topic); OutboxRelay relay = fixture.relay(settings(100))) {
            String a1 = fixture.writeRaw(topic, blocked, small);
            String b1 = fixture.writeRaw(topic, other, small);
            String a2 = fixture.writeRaw(topic, blocked, "{\"big\":\"" + "x".repeat(50_000) + "\"}");
            String b2 = fixture.writeRaw(topic, other, small);
            String a3 = fixture.writeRaw(topic, blocked, small);

            OutboxRelay.Round refused = relay.publishPending();
            assertThat(refused.blockedKeys()).containsExactly(blocked);
            drain(relay);
            var applied = TopicTail.appliedIdsByKey(tail.readUntilQuiet(r -> true, QUIET, LIMIT));
            assertThat(applied.get(other)).containsExactly(b1, b2);
            assertThat(applied.get(blocked)).as("the key's events before the refused one").containsExactly(a1);
            assertThat(fixture.pendingOf(List.of(blocked))).isEqualTo(2);
            awaitWellness(503); // the service refreshes what health shows every few seconds
            given().get("/q/health/well").then().statusCode(503)
                    .body("checks.find { it.name == 'outbox' }.data.blockedKeys", equalTo(1));

            // The operator raises the topic's limit: at its next try the key goes on, in order.
            setMaxMessageBytes(topic, null);
            long deadline = System.nanoTime() + LIMIT.toNanos();
            while (fixture.pendingOf(List.of(blocked)) > 0 && System.nanoTime() < deadline) {
                relay.publishPending();
                Thread.sleep(200);
            }
            applied = TopicTail.appliedIdsByKey(tail.readUntilQuiet(r -> true, QUIET, LIMIT));
            assertThat(applied.get(blocked)).containsExactly(a1, a2, a3);
            assertThat(pool.query("SELECT count(*) FROM outbox_blocked_key").execute().await().atMost(TIMEOUT)
                    .iterator().next().getLong(0)).isZero();
        } finally {
            setMaxMessageBytes(topic, null);
        }
    }

    @Test
    void twoBusyRelaysShareTheSlotsWithoutDuplicatesOrReordering() throws Exception {
        List<String> keys = new ArrayList<>();
        Map<String, List<String>> written = new java.util.LinkedHashMap<>();
        for (int k = 0; k < 40; k++) {
            keys.add(UUID.randomUUID().toString());
        }
        // 40 keys x 40 events, written in interleaved transactions of 40 (one per key).
        for (int round = 0; round < 40; round++) {
            final int r = round;
            pool.withTransaction(connection -> {
                io.smallrye.mutiny.Uni<Void> chain = io.smallrye.mutiny.Uni.createFrom().voidItem();
                for (String key : keys) {
                    chain = chain.call(() -> outbox.add(connection, EventCatalog.ROOM_CREATED, key,
                            OutboxFixture.created(key, "event " + r), Instant.now()));
                }
                return chain;
            }).await().atMost(TIMEOUT);
        }
        for (io.vertx.mutiny.sqlclient.Row row : pool.preparedQuery(
                "SELECT record_key, event_id FROM outbox_event WHERE record_key = ANY($1) ORDER BY id")
                .execute(Tuple.of(keys.toArray(new String[0]))).await().atMost(TIMEOUT)) {
            written.computeIfAbsent(row.getString(0), k -> new ArrayList<>()).add(row.getUUID(1).toString());
        }
        try (TopicTail room = TopicTail.fromEnd(Topic.ROOM.topicName());
                OutboxRelay first = fixture.relay(settings(20)); OutboxRelay second = fixture.relay(settings(20))) {
            ExecutorService threads = Executors.newFixedThreadPool(2);
            try {
                // As the service runs them: a round after another while there is work, a short pause when idle.
                Future<Integer> firstCount = threads.submit(() -> runLikeTheService(first, keys));
                Future<Integer> secondCount = threads.submit(() -> runLikeTheService(second, keys));
                int a = firstCount.get(120, TimeUnit.SECONDS);
                int b = secondCount.get(120, TimeUnit.SECONDS);
                assertThat(a + b).isEqualTo(1600);
                assertThat(Math.min(a, b)).as("each relay's share of 1600 (%d and %d)", a, b).isGreaterThan(200);
            } finally {
                threads.shutdownNow();
            }
            List<ConsumerRecord<String, byte[]>> records = room.readUntilQuiet(r -> keys.contains(r.key()), QUIET, LIMIT);
            assertThat(records).as("no relay crashed, so nothing may be published twice").hasSize(1600);
            assertThat(TopicTail.appliedIdsByKey(records)).isEqualTo(written);
        }
    }

    /**
     * Defect 1's interleaving, made certain: relay B's round starts while relay A holds a slot and has published
     * (here: deleted) its rows, and A commits while B waits for the slot's lock. B must read the slot only after
     * it holds the lock, so it sees A's deletion; a read whose snapshot predates the lock would publish A's rows
     * again. The wait is forced by a gate in front of {@code outbox_take_slots}, held by the test.
     */
    @Test
    void aRelayReadsASlotOnlyAfterItsLockSoItNeverRepublishesWhatTheSlotsLastHolderSent() throws Exception {
        String key = UUID.randomUUID().toString();
        List<String> sentByA = fixture.write(key, 3);
        OutboxRelay.Settings everySlot = new OutboxRelay.Settings(100, Outbox.SLOTS, Duration.ofSeconds(10),
                Duration.ofSeconds(1));
        SqlConnection gate = pool.getConnection().await().atMost(TIMEOUT);
        SqlConnection relayA = pool.getConnection().await().atMost(TIMEOUT);
        ExecutorService relayBThread = Executors.newSingleThreadExecutor();
        installGate();
        try (TopicTail room = TopicTail.fromEnd(Topic.ROOM.topicName()); OutboxRelay relayB = fixture.relay(everySlot)) {
            gate.query("BEGIN").execute().await().atMost(TIMEOUT);
            gate.query("SELECT pg_advisory_xact_lock(" + GATE + ")").execute().await().atMost(TIMEOUT);
            // A holds the slot, as a relay does, and has "published" its three rows: it deletes them.
            relayA.query("BEGIN").execute().await().atMost(TIMEOUT);
            relayA.preparedQuery("SELECT pg_advisory_xact_lock($1, $2)")
                    .execute(Tuple.of(OutboxRelay.LOCK_CLASS, Outbox.slotOf(key))).await().atMost(TIMEOUT);
            relayA.preparedQuery("DELETE FROM outbox_event WHERE event_id = ANY($1)")
                    .execute(Tuple.of(sentByA.stream().map(UUID::fromString).toArray(UUID[]::new)))
                    .await().atMost(TIMEOUT);
            // A later event of the key, committed meanwhile: the slot still has work when B gets to it.
            String later = fixture.write(key, "later");

            Future<OutboxRelay.Round> roundOfB = relayBThread.submit(relayB::publishPending);
            awaitAdvisoryLockWaiters(1); // B's round has begun and waits at the gate
            relayA.query("COMMIT").execute().await().atMost(TIMEOUT);
            gate.query("COMMIT").execute().await().atMost(TIMEOUT);

            assertThat(roundOfB.get(30, TimeUnit.SECONDS).published()).as("rows B published").isEqualTo(1);
            List<ConsumerRecord<String, byte[]>> records = room.readUntilQuiet(r -> key.equals(r.key()), QUIET, LIMIT);
            assertThat(TopicTail.appliedIdsByKey(records).get(key)).as("B published only what A had not")
                    .containsExactly(later);
        } finally {
            relayBThread.shutdownNow();
            gate.close().await().atMost(TIMEOUT);
            relayA.close().await().atMost(TIMEOUT);
            removeGate();
        }
    }

    /** A transaction-level advisory lock key of the one-bigint space, apart from the relay's (class, slot) pairs. */
    private static final long GATE = 0x6761746500L;

    /** Puts a wait on {@link #GATE} in front of {@code outbox_take_slots}; {@link #removeGate} undoes it. */
    private void installGate() {
        pool.query("ALTER FUNCTION outbox_take_slots(INTEGER[], INTEGER, INTEGER) RENAME TO outbox_take_slots_ungated")
                .execute().await().atMost(TIMEOUT);
        pool.query("""
                CREATE FUNCTION outbox_take_slots(slot_order INTEGER[], lock_class INTEGER, max_slots INTEGER)
                RETURNS INTEGER[] LANGUAGE plpgsql VOLATILE AS $$
                BEGIN
                    PERFORM pg_advisory_xact_lock_shared(%d);
                    RETURN outbox_take_slots_ungated(slot_order, lock_class, max_slots);
                END
                $$""".formatted(GATE)).execute().await().atMost(TIMEOUT);
    }

    private void removeGate() {
        pool.query("DROP FUNCTION IF EXISTS outbox_take_slots(INTEGER[], INTEGER, INTEGER)").execute().await()
                .atMost(TIMEOUT);
        pool.query("ALTER FUNCTION outbox_take_slots_ungated(INTEGER[], INTEGER, INTEGER) RENAME TO outbox_take_slots")
                .execute().await().atMost(TIMEOUT);
    }

    private void awaitAdvisoryLockWaiters(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            long waiting = pool.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                    .execute().await().atMost(TIMEOUT).iterator().next().getLong(0);
            if (waiting >= count) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no relay round waited at the gate within " + TIMEOUT);
    }

    @Test
    void aRelayKilledBetweenTheBrokersAcknowledgementAndTheDeleteDuplicatesButNeverReorders() {
        String key = UUID.randomUUID().toString();
        List<String> written = fixture.write(key, 30);
        AtomicBoolean crashed = new AtomicBoolean();
        try (TopicTail room = TopicTail.fromEnd(Topic.ROOM.topicName())) {
            try (OutboxRelay dying = fixture.relay(settings(10), config -> new KafkaProducer<>(config) {
                @Override
                public void commitTransaction() {
                    super.commitTransaction();
                    if (crashed.compareAndSet(false, true)) {
                        killTheRelaysDatabaseSession();
                    }
                }
            })) {
                assertThatThrownBy(dying::publishPending).isInstanceOf(RuntimeException.class);
            }
            assertThat(crashed).isTrue();
            try (OutboxRelay next = fixture.relay(settings(10))) {
                drain(next);
            }
            List<ConsumerRecord<String, byte[]>> records = room.readUntilQuiet(r -> key.equals(r.key()), QUIET, LIMIT);
            assertThat(records).as("the first round's 10 events came twice").hasSize(40);
            assertThat(TopicTail.appliedIdsByKey(records).get(key)).containsExactlyElementsOf(written);
        }
    }

    @Test
    void aBrokerThatHangsMidRoundLosesNothingAndReordersNothing() throws Exception {
        List<String> keys = List.of(UUID.randomUUID().toString(), UUID.randomUUID().toString());
        Map<String, List<String>> written = new java.util.LinkedHashMap<>();
        for (String key : keys) {
            written.put(key, fixture.write(key, 60));
        }
        OutboxRelay.Settings shortTimeout = new OutboxRelay.Settings(200, 16, Duration.ofSeconds(4), Duration.ofSeconds(1));
        AtomicInteger sends = new AtomicInteger();
        AtomicBoolean frozen = new AtomicBoolean();
        try (TopicTail room = TopicTail.fromEnd(Topic.ROOM.topicName());
                OutboxRelay relay = fixture.relay(shortTimeout, config -> new KafkaProducer<>(config) {
                    @Override
                    public java.util.concurrent.Future<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
                        if (sends.incrementAndGet() == 50 && frozen.compareAndSet(false, true)) {
                            flush(); // the first 49 reach the broker inside the transaction, then it stops answering
                            StackFaults.freezeKafka();
                        }
                        return super.send(record);
                    }
                })) {
            try {
                assertThatThrownBy(relay::publishPending).isInstanceOf(RuntimeException.class);
            } finally {
                StackFaults.thawKafka();
            }
            assertThat(frozen).isTrue();
            long deadline = System.nanoTime() + LIMIT.toNanos();
            while (fixture.pendingOf(keys) > 0 && System.nanoTime() < deadline) {
                try {
                    relay.publishPending();
                } catch (RuntimeException stillRecovering) {
                    Thread.sleep(500);
                }
            }
            assertThat(fixture.pendingOf(keys)).isZero();
            List<ConsumerRecord<String, byte[]>> records = room.readUntilQuiet(r -> keys.contains(r.key()), QUIET, LIMIT);
            assertThat(TopicTail.appliedIdsByKey(records)).isEqualTo(written);
            assertThat(records).as("the abandoned round was aborted: none of it is visible").hasSize(120);
        }
    }

    private static void awaitWellness(int status) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (given().get("/q/health/well").statusCode() != status && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
    }

    private int runLikeTheService(OutboxRelay relay, List<String> keys) throws InterruptedException {
        int published = 0;
        int idleRounds = 0;
        while (idleRounds < 5) {
            int round = relay.publishPending().published();
            published += round;
            if (round == 0) {
                idleRounds = fixture.pendingOf(keys) == 0 ? idleRounds + 1 : 0;
                Thread.sleep(50);
            } else {
                idleRounds = 0;
            }
        }
        return published;
    }

    /** Ends the relay's database session, the way a crash of its process would, after the broker took the round. */
    private void killTheRelaysDatabaseSession() {
        long killed = pool.query("""
                SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()
                  AND state LIKE 'idle in transaction%' AND query LIKE '%FROM outbox_event%'""")
                .execute().await().atMost(TIMEOUT).iterator().next().getLong(0);
        assertThat(killed).as("relay sessions ended").isEqualTo(1);
    }

    private void setMaxMessageBytes(String topic, String value) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            AlterConfigOp op = value == null
                    ? new AlterConfigOp(new ConfigEntry("max.message.bytes", ""), AlterConfigOp.OpType.DELETE)
                    : new AlterConfigOp(new ConfigEntry("max.message.bytes", value), AlterConfigOp.OpType.SET);
            admin.incrementalAlterConfigs(Map.of(resource, List.of(op))).all().get(30, TimeUnit.SECONDS);
        }
    }
}
