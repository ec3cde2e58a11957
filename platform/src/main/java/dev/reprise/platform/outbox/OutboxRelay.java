package dev.reprise.platform.outbox;

import dev.reprise.contracts.CloudEventHeaders;
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
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.jboss.logging.Logger;

/**
 * Publishes committed outbox rows to Kafka as CloudEvents (binary mode), oldest first.
 *
 * <p>Any number of relays may run against one outbox table (one per service replica). A relay works
 * only on the slots of the key space whose transaction-scoped advisory lock it got, and deletes rows in
 * the same transaction after the broker acknowledged them, so a key's events leave in order and a
 * row is published twice only when a relay dies between the acknowledgement and the commit
 * (consumers absorb that duplicate by its {@code ce_id}).
 *
 * <p>Blocking by design: it runs on its own thread, never on an event loop.
 */
public final class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    /** First half of the advisory lock key, "RE" for Reprise; the slot is the second half. */
    private static final int LOCK_CLASS = 0x5245;
    private static final Duration DB_TIMEOUT = Duration.ofSeconds(30);

    private final Pool pool;
    private final Producer<String, byte[]> producer;
    private final int batchSize;
    private final Duration sendTimeout;

    public OutboxRelay(Pool pool, Producer<String, byte[]> producer, int batchSize, Duration sendTimeout) {
        this.pool = pool;
        this.producer = producer;
        this.batchSize = batchSize;
        this.sendTimeout = sendTimeout;
    }

    /**
     * Publishes at most one batch of pending rows from the slots no other relay holds right now; returns
     * how many rows were published. One transaction: lock the free slots, read, send, delete, commit.
     */
    public int publishPending() {
        SqlConnection connection = pool.getConnection().await().atMost(DB_TIMEOUT);
        try {
            Transaction transaction = connection.begin().await().atMost(DB_TIMEOUT);
            try {
                int published = publishFromFreeSlots(connection);
                transaction.commit().await().atMost(DB_TIMEOUT);
                return published;
            } catch (RuntimeException e) {
                transaction.rollback().await().atMost(DB_TIMEOUT);
                throw e;
            }
        } finally {
            connection.close().await().atMost(DB_TIMEOUT);
        }
    }

    /** Number of rows not yet published. */
    public long pending() {
        return pool.query("SELECT count(*) FROM outbox_event").execute().await().atMost(DB_TIMEOUT)
                .iterator().next().getLong(0);
    }

    private int publishFromFreeSlots(SqlConnection connection) {
        // Locks are held until commit; a slot another relay holds is skipped, never waited for.
        RowSet<Row> rows = connection.preparedQuery("""
                WITH free_slots AS (
                    SELECT slot FROM generate_series(0, $1 - 1) AS slot
                    WHERE pg_try_advisory_xact_lock($2, slot))
                SELECT id, event_id, topic, record_key, event_type, source, subject, occurred_at, payload
                FROM outbox_event WHERE slot IN (SELECT slot FROM free_slots) ORDER BY id LIMIT $3""")
                .execute(Tuple.of(Outbox.SLOTS, LOCK_CLASS, batchSize)).await().atMost(DB_TIMEOUT);
        if (rows.size() == 0) {
            return 0;
        }
        List<Long> ids = new ArrayList<>(rows.size());
        List<Future<RecordMetadata>> acknowledgements = new ArrayList<>(rows.size());
        for (Row row : rows) {
            ids.add(row.getLong("id"));
            acknowledgements.add(producer.send(toRecord(row)));
        }
        awaitAll(acknowledgements);
        connection.preparedQuery("DELETE FROM outbox_event WHERE id = ANY($1)")
                .execute(Tuple.of(ids.toArray(new Long[0]))).await().atMost(DB_TIMEOUT);
        LOG.debugf("Published %d events", ids.size());
        return ids.size();
    }

    private void awaitAll(List<Future<RecordMetadata>> acknowledgements) {
        long deadline = System.nanoTime() + sendTimeout.toNanos();
        for (Future<RecordMetadata> acknowledgement : acknowledgements) {
            try {
                acknowledgement.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OutboxRelayException("Interrupted while waiting for the broker", e);
            } catch (Exception e) {
                throw new OutboxRelayException("The broker did not acknowledge the batch; it will be sent again", e);
            }
        }
    }

    private static ProducerRecord<String, byte[]> toRecord(Row row) {
        Instant occurredAt = row.getOffsetDateTime("occurred_at").toInstant();
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(row.getString("topic"), null,
                occurredAt.toEpochMilli(), row.getString("record_key"),
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

    /** A batch failed; its rows stay in the outbox and are sent again. */
    public static final class OutboxRelayException extends RuntimeException {
        OutboxRelayException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
