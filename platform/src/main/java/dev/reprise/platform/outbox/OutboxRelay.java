package dev.reprise.platform.outbox;

import dev.reprise.contracts.CloudEventHeaders;
import dev.reprise.platform.sql.ConnectionKeepAlive;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Publishes committed outbox rows to Kafka as CloudEvents (binary mode), each key's in the order of their ids.
 *
 * <p>A round is one database transaction and one Kafka transaction:
 * <ol>
 * <li>take the advisory locks of up to {@code slotsPerRound} slots that have rows and that no other relay holds
 *     (one statement), starting at the slot after the previous round's first, so replicas share the slots;</li>
 * <li>read those slots' oldest rows in a later statement, whose snapshot is taken after the locks are held, so a
 *     row another relay published and deleted just before is never read again;</li>
 * <li>send them in a Kafka transaction and commit it: consumers that read committed records (the contract says
 *     they must) see all of the round or none of it, so a record that failed never leaves a gap that a later
 *     record of its key could jump, and a round abandoned on a time-out can never be delivered afterwards;</li>
 * <li>delete the rows and commit.</li>
 * </ol>
 * A row is published twice only when a relay dies between the Kafka commit and the database commit; the
 * duplicate comes after the original in the log and consumers absorb it by its {@code ce_id}.
 *
 * <p>When the broker refuses a record for good (too large for the topic, invalid), its key is blocked: the key's
 * rows wait, in order, in {@code outbox_blocked_key} with the error, and every other key goes on; the key is tried
 * again after a back-off. Any other failure (broker or database down, time-out) fails the round; the service
 * retries it with back-off.
 *
 * <p>Blocking by design: it runs on its own thread, never on an event loop.
 */
public final class OutboxRelay implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    /** First half of the slot locks' key, "RE" for Reprise; the slot is the second half. */
    static final int LOCK_CLASS = 0x5245;
    private static final Duration DB_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration MAX_BLOCKED_RETRY = Duration.ofHours(1);

    private final Pool pool;
    private final Supplier<Producer<String, byte[]>> producers;
    private final Settings settings;
    private Producer<String, byte[]> producer;
    private int nextFirstSlot;

    /** How a relay works; {@link #of(OutboxConfig.Relay)} reads them from the service's configuration. */
    public record Settings(int batchSize, int slotsPerRound, Duration sendTimeout, Duration blockedKeyRetry) {
        public static Settings of(OutboxConfig.Relay relay) {
            return new Settings(relay.batchSize(), relay.slotsPerRound(), relay.sendTimeout(), relay.blockedKeyRetry());
        }
    }

    /**
     * What one round did.
     *
     * @param backlog a slot gave the round as many rows as it could take from one slot: more may be waiting there,
     *        so the next round should not wait
     */
    public record Round(int published, List<String> blockedKeys, boolean backlog) {
        static final Round IDLE = new Round(0, List.of(), false);
    }

    /**
     * @param producers makes a transactional producer with {@link #producerConfig}; called again after a fatal
     *        producer error, with the same transactional id so the broker fences the broken one
     */
    public OutboxRelay(Pool pool, Supplier<Producer<String, byte[]>> producers, Settings settings) {
        if (settings.slotsPerRound() < 1 || settings.batchSize() < 1) {
            throw new IllegalArgumentException("batch size and slots per round must be positive: " + settings);
        }
        this.pool = pool;
        this.producers = producers;
        this.settings = settings;
        this.nextFirstSlot = (int) (Math.random() * Outbox.SLOTS);
    }

    /** A relay with its own transactional producer on the given Kafka client settings. */
    public static OutboxRelay create(Pool pool, Map<String, Object> kafkaConfig, String transactionalId,
            Settings settings) {
        Map<String, Object> producerConfig = producerConfig(kafkaConfig, transactionalId, settings.sendTimeout());
        return new OutboxRelay(pool, () -> new KafkaProducer<>(producerConfig), settings);
    }

    /**
     * Producer settings the relay relies on: transactions (which imply idempotence and {@code acks=all}), and
     * time-outs no longer than a round's, so a round the relay gave up on cannot be delivered later.
     */
    public static Map<String, Object> producerConfig(Map<String, Object> kafkaConfig, String transactionalId,
            Duration sendTimeout) {
        Map<String, Object> settings = new HashMap<>(kafkaConfig);
        int timeoutMs = (int) sendTimeout.toMillis();
        settings.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        settings.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        settings.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        settings.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.max(1_000, timeoutMs / 2));
        settings.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeoutMs);
        settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
        settings.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 2 * timeoutMs);
        settings.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, transactionalId);
        settings.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        settings.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return settings;
    }

    /** Publishes at most one batch of pending rows from slots no other relay holds right now. */
    public Round publishPending() {
        SqlConnection connection = pool.getConnection().await().atMost(DB_TIMEOUT);
        try {
            Transaction transaction = connection.begin().await().atMost(DB_TIMEOUT);
            try {
                // Each statement must see what committed before it: the read after the slot locks relies on it.
                connection.query("SET TRANSACTION ISOLATION LEVEL READ COMMITTED").execute().await().atMost(DB_TIMEOUT);
                Round round = publishRound(connection);
                transaction.commit().await().atMost(DB_TIMEOUT);
                return round;
            } catch (RuntimeException e) {
                transaction.rollback().await().atMost(DB_TIMEOUT);
                throw e;
            }
        } finally {
            // A connection closed with its transaction open has it rolled back by the client.
            connection.close().await().atMost(DB_TIMEOUT);
        }
    }

    /** Number of rows not yet published (a count over the table: for tests and tools, not for every poll). */
    public long pending() {
        return pool.query("SELECT count(*) FROM outbox_event").execute().await().atMost(DB_TIMEOUT)
                .iterator().next().getLong(0);
    }

    @Override
    public void close() {
        closeProducer(Duration.ofSeconds(5));
    }

    private Round publishRound(SqlConnection connection) {
        Integer[] slots = takeSlots(connection);
        if (slots.length == 0) {
            return Round.IDLE;
        }
        int perSlot = Math.max(1, (settings.batchSize() + slots.length - 1) / slots.length);
        RowSet<Row> rows = connection.preparedQuery("""
                SELECT s.slot, e.id, e.event_id, e.topic, e.record_key, e.event_type, e.source, e.subject,
                       e.occurred_at, e.payload, (b.record_key IS NOT NULL AND e.id >= b.outbox_id) AS retries_blocked
                FROM unnest($1::int[]) AS s(slot)
                CROSS JOIN LATERAL (
                    SELECT o.* FROM outbox_event o
                    WHERE o.slot = s.slot AND NOT EXISTS (
                        SELECT 1 FROM outbox_blocked_key w
                        WHERE w.record_key = o.record_key AND w.retry_at > now() AND o.id >= w.outbox_id)
                    ORDER BY o.id LIMIT $2) e
                LEFT JOIN outbox_blocked_key b ON b.record_key = e.record_key
                ORDER BY e.id""")
                .execute(Tuple.of(slots, perSlot)).await().atMost(DB_TIMEOUT);
        if (rows.size() == 0) {
            return Round.IDLE;
        }
        List<Long> ids = new ArrayList<>(rows.size());
        List<String> retriedKeys = new ArrayList<>();
        List<Row> sent = new ArrayList<>(rows.size());
        Map<Integer, Integer> rowsPerSlot = new HashMap<>();
        for (Row row : rows) {
            rowsPerSlot.merge(row.getInteger("slot"), 1, Integer::sum);
            ids.add(row.getLong("id"));
            sent.add(row);
            if (row.getBoolean("retries_blocked") && !retriedKeys.contains(row.getString("record_key"))) {
                retriedKeys.add(row.getString("record_key"));
            }
        }
        // The round's transaction waits on the broker: keep its connection from looking like a hung database's.
        Cancellable keepAlive = ConnectionKeepAlive.start(connection, lost -> LOG.debugf("Keep-alive failed: %s", lost));
        Map<String, Refusal> refused;
        try {
            refused = send(sent);
        } finally {
            keepAlive.cancel();
        }
        if (!refused.isEmpty()) {
            block(connection, refused);
            return new Round(0, List.copyOf(refused.keySet()), true);
        }
        connection.preparedQuery("DELETE FROM outbox_event WHERE id = ANY($1)")
                .execute(Tuple.of(ids.toArray(new Long[0]))).await().atMost(DB_TIMEOUT);
        if (!retriedKeys.isEmpty()) {
            connection.preparedQuery("DELETE FROM outbox_blocked_key WHERE record_key = ANY($1)")
                    .execute(Tuple.of(retriedKeys.toArray(new String[0]))).await().atMost(DB_TIMEOUT);
            LOG.infof("Outbox keys %s are publishing again", retriedKeys);
        }
        LOG.debugf("Published %d events from slots %s", ids.size(), List.of(slots));
        boolean backlog = rowsPerSlot.values().stream().anyMatch(count -> count >= perSlot);
        return new Round(ids.size(), List.of(), backlog);
    }

    private Integer[] takeSlots(SqlConnection connection) {
        Integer[] order = new Integer[Outbox.SLOTS];
        for (int i = 0; i < order.length; i++) {
            order[i] = (nextFirstSlot + i) % Outbox.SLOTS;
        }
        nextFirstSlot = (nextFirstSlot + 1) % Outbox.SLOTS;
        return connection.preparedQuery("SELECT outbox_take_slots($1, $2, $3)")
                .execute(Tuple.of(order, LOCK_CLASS, settings.slotsPerRound())).await().atMost(DB_TIMEOUT)
                .iterator().next().getArrayOfIntegers(0);
    }

    /**
     * Sends the rows in one Kafka transaction and commits it. Returns the keys whose record the broker refused
     * for good (the transaction is then aborted, nothing of it is visible); throws on any other failure.
     */
    private Map<String, Refusal> send(List<Row> rows) {
        Producer<String, byte[]> kafka = producer();
        List<Future<RecordMetadata>> acknowledgements = new ArrayList<>(rows.size());
        try {
            kafka.beginTransaction();
            for (Row row : rows) {
                acknowledgements.add(kafka.send(toRecord(row)));
            }
            commit(kafka);
            return Map.of();
        } catch (CommitOutcomeUnknown unknown) {
            // The commit may still land: this producer is closed without an abort; the next one, with the same
            // transactional id, waits for the outcome before it starts. The rows stay and are sent again.
            closeProducer(Duration.ZERO);
            throw new OutboxRelayException("The broker did not confirm the round's commit; its events stay in the"
                    + " outbox and may be published twice (consumers drop the second by ce_id)", unknown.getCause());
        } catch (RuntimeException failure) {
            Map<String, Refusal> refused = refusals(rows, acknowledgements, failure);
            abort(kafka);
            if (refused.isEmpty()) {
                throw new OutboxRelayException("The broker did not take the round; its events stay in the outbox", failure);
            }
            return refused;
        }
    }

    /**
     * Commits the round. A commit that timed out must be retried, never aborted (Kafka may already be completing
     * it): it is tried again until the send timeout has passed twice, then its outcome is unknown.
     */
    private void commit(Producer<String, byte[]> kafka) {
        long deadline = System.nanoTime() + settings.sendTimeout().toNanos();
        while (true) {
            try {
                kafka.commitTransaction();
                return;
            } catch (org.apache.kafka.common.errors.TimeoutException | org.apache.kafka.common.errors.InterruptException e) {
                if (System.nanoTime() > deadline) {
                    throw new CommitOutcomeUnknown(e);
                }
                LOG.warnf("The broker has not confirmed the round's commit yet; trying again: %s", e.toString());
            }
        }
    }

    /** The first record of each key that the broker refused for a reason no retry of the round can fix. */
    private static Map<String, Refusal> refusals(List<Row> rows, List<Future<RecordMetadata>> acknowledgements,
            RuntimeException failure) {
        Map<String, Refusal> refused = new LinkedHashMap<>();
        // A record that failed while the broker acknowledged others of the same round failed for a reason of its
        // own (its topic missing or forbidden, say), not because the broker was away: it blocks only its key.
        boolean brokerTookOthers = acknowledgements.stream().anyMatch(OutboxRelay::succeeded);
        for (int i = 0; i < rows.size(); i++) {
            Throwable cause = i < acknowledgements.size() ? failureOf(acknowledgements.get(i))
                    : i == acknowledgements.size() ? failure : null; // send() itself threw for this row
            if (cause != null && (isRefusedForGood(cause) || brokerTookOthers && isTheRecordsOwn(cause))) {
                Row row = rows.get(i);
                refused.putIfAbsent(row.getString("record_key"),
                        new Refusal(row.getLong("id"), row.getUUID("event_id"),
                                cause.getClass().getSimpleName() + ": " + cause.getMessage()));
            }
        }
        return refused;
    }

    private static Throwable failureOf(Future<RecordMetadata> acknowledgement) {
        if (!acknowledgement.isDone()) {
            return null;
        }
        try {
            acknowledgement.get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static boolean succeeded(Future<RecordMetadata> acknowledgement) {
        return acknowledgement.isDone() && failureOf(acknowledgement) == null;
    }

    /** Not a consequence of another record's failure (which aborts the rest of the round). */
    private static boolean isTheRecordsOwn(Throwable cause) {
        return !(cause instanceof org.apache.kafka.common.errors.TransactionAbortedException)
                && !(cause.getMessage() != null && cause.getMessage().contains("previous transactional or idempotent"));
    }

    static boolean isRefusedForGood(Throwable cause) {
        if (cause instanceof org.apache.kafka.common.errors.TopicAuthorizationException) {
            return true;
        }
        return cause instanceof RecordTooLargeException || cause instanceof RecordBatchTooLargeException
                || cause instanceof InvalidRecordException || cause instanceof InvalidTopicException
                || cause instanceof InvalidTimestampException || cause instanceof SerializationException;
    }

    private void block(SqlConnection connection, Map<String, Refusal> refused) {
        for (Map.Entry<String, Refusal> entry : refused.entrySet()) {
            Row previous = connection.preparedQuery("""
                    INSERT INTO outbox_blocked_key (record_key, outbox_id, event_id, error, attempts, first_failed_at, retry_at)
                    VALUES ($1, $6, $2, $3, 1, now(), now() + $4 * interval '1 millisecond')
                    ON CONFLICT (record_key) DO UPDATE SET outbox_id = EXCLUDED.outbox_id, event_id = EXCLUDED.event_id,
                        error = EXCLUDED.error,
                        attempts = outbox_blocked_key.attempts + 1,
                        retry_at = now() + least($5, $4 * power(2, outbox_blocked_key.attempts)) * interval '1 millisecond'
                    RETURNING attempts, retry_at""")
                    .execute(Tuple.of(entry.getKey(), entry.getValue().eventId(), entry.getValue().error(),
                            settings.blockedKeyRetry().toMillis(), MAX_BLOCKED_RETRY.toMillis(),
                            entry.getValue().outboxId()))
                    .await().atMost(DB_TIMEOUT).iterator().next();
            LOG.errorf("The broker refused event %s of key %s for good (%s): the key's events wait, the other keys go"
                    + " on; attempt %d, next try at %s", entry.getValue().eventId(), entry.getKey(),
                    entry.getValue().error(), previous.getInteger("attempts"), previous.getOffsetDateTime("retry_at"));
        }
    }

    private void abort(Producer<String, byte[]> kafka) {
        try {
            kafka.abortTransaction();
        } catch (RuntimeException e) {
            // Fatal for this producer (fenced, timed out, broken state): the next one, with the same
            // transactional id, fences it and aborts whatever it left open.
            LOG.warnf("Replacing the outbox producer after a failed abort: %s", e.toString());
            closeProducer(Duration.ZERO);
        }
    }

    private Producer<String, byte[]> producer() {
        if (producer == null) {
            Producer<String, byte[]> created = producers.get();
            try {
                created.initTransactions();
            } catch (RuntimeException e) {
                created.close(Duration.ZERO);
                throw new OutboxRelayException("Cannot start the outbox producer", e);
            }
            producer = created;
        }
        return producer;
    }

    private void closeProducer(Duration timeout) {
        if (producer != null) {
            try {
                producer.close(timeout);
            } catch (RuntimeException e) {
                LOG.debugf("Closing the outbox producer: %s", e.toString());
            }
            producer = null;
        }
    }

    private static ProducerRecord<String, byte[]> toRecord(Row row) {
        Instant occurredAt = row.getOffsetDateTime("occurred_at").toInstant();
        // The broker refuses record timestamps more than an hour ahead of its clock (Kafka's
        // log.message.timestamp.after.max.ms), which would block the key for good: a writer whose clock runs ahead
        // gets its record stamped with the send time; the CloudEvents time keeps what the writer said.
        long timestamp = Math.min(occurredAt.toEpochMilli(), System.currentTimeMillis());
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(row.getString("topic"), null,
                timestamp, row.getString("record_key"),
                row.getString("payload").getBytes(StandardCharsets.UTF_8));
        header(record, CloudEventHeaders.ID, row.getUUID("event_id").toString());
        header(record, CloudEventHeaders.SPEC_VERSION, CloudEventHeaders.SPEC_VERSION_VALUE);
        header(record, CloudEventHeaders.TYPE, row.getString("event_type"));
        header(record, CloudEventHeaders.SOURCE, row.getString("source"));
        header(record, CloudEventHeaders.SUBJECT, row.getString("subject"));
        header(record, CloudEventHeaders.TIME, occurredAt.toString());
        header(record, CloudEventHeaders.CONTENT_TYPE, CloudEventHeaders.JSON_CONTENT_TYPE);
        return record;
    }

    private static void header(ProducerRecord<String, byte[]> record, String name, String value) {
        record.headers().add(new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8)));
    }

    private record Refusal(long outboxId, UUID eventId, String error) {
    }

    private static final class CommitOutcomeUnknown extends RuntimeException {
        CommitOutcomeUnknown(Throwable cause) {
            super(cause);
        }
    }

    /** A round failed; its rows stay in the outbox and are sent again. */
    public static final class OutboxRelayException extends RuntimeException {
        OutboxRelayException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
