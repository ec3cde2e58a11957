package dev.reprise.platform.outbox;

import dev.reprise.contracts.EventJson;
import dev.reprise.contracts.EventType;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Records an event in the caller's current transaction: a Hibernate Reactive one, or one on the reactive
 * SQL client for hot paths that skip the ORM. The event is published only if that transaction commits,
 * and it cannot be lost once it has: the relay sends it later.
 *
 * <p>Per-key order is the outbox's own property: the insert first takes a transaction-scoped lock on the key,
 * so two transactions writing events of one key commit in the order of their row ids, which is the order the
 * relay publishes them in. A transaction that writes events of several keys should add them in a stable order
 * (PostgreSQL resolves a deadlock by aborting one of the two, which the caller then sees as a failure).
 *
 * <p>An event too large for the broker is refused here, when its transaction can still fail, instead of
 * blocking its key in the relay later.
 */
@ApplicationScoped
public class Outbox {

    /** Fixed, not configurable: every replica must map a key to the same slot, or a key's order breaks. */
    public static final int SLOTS = 16;

    /** The key lock is taken before the row (and its id) exists: see V0_2 for {@code outbox_lock_key}. */
    static final String INSERT_SQL = insertSql(1);
    /** The same statement with Hibernate's ordinal parameters. */
    private static final String INSERT_SQL_HIBERNATE = INSERT_SQL.replaceAll("\\$(\\d)", "?$1");

    private final OutboxConfig config;

    public Outbox(OutboxConfig config) {
        this.config = config;
    }

    /**
     * Adds an event to the outbox in the current Hibernate Reactive transaction (for example inside
     * {@code @WithTransaction}).
     *
     * @param key record key and CloudEvents subject: the id of the aggregate whose story this continues
     */
    public <T> Uni<Void> add(EventType<T> type, String key, T data, Instant occurredAt) {
        return Uni.createFrom().item(() -> row(type, key, data, occurredAt))
                .flatMap(row -> Panache.getSession().flatMap(session -> {
                    var query = session.createNativeQuery(INSERT_SQL_HIBERNATE);
                    Object[] values = row.values();
                    for (int i = 0; i < values.length; i++) {
                        query.setParameter(i + 1, values[i]);
                    }
                    return query.executeUpdate();
                }))
                .replaceWithVoid();
    }

    /**
     * Adds an event to the outbox in a transaction of the reactive SQL client; {@code transaction} must be
     * a connection with a transaction begun (for example inside {@code Pool.withTransaction}, or a
     * {@link dev.reprise.platform.sql.PipelinedTransaction}). One statement.
     */
    public <T> Uni<Void> add(SqlConnection transaction, EventType<T> type, String key, T data, Instant occurredAt) {
        Row row;
        try {
            row = row(type, key, data, occurredAt);
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        return transaction.preparedQuery(INSERT_SQL).execute(Tuple.from(row.values())).replaceWithVoid();
    }

    /**
     * An event to be written by the caller's own statement, as the common table expression
     * {@link #insertAs(String, int)} gives: a hot path then makes its change and records its event in one
     * statement, which {@link dev.reprise.platform.sql.PipelinedTransaction} can commit without waiting for it.
     *
     * @throws EventTooLargeException if the event could never be published
     */
    public <T> Entry entry(EventType<T> type, String key, T data, Instant occurredAt) {
        return new Entry(row(type, key, data, occurredAt));
    }

    /**
     * The common table expression {@code name AS (INSERT INTO outbox_event ...)} that writes an {@link Entry},
     * its parameters numbered from {@code firstParameter} ({@link Entry#parameters()} in that order). It takes the
     * key lock like {@link #add}, so per-key order holds whichever way an event is written.
     */
    public static String insertAs(String name, int firstParameter) {
        return name + " AS (" + insertSql(firstParameter) + ")";
    }

    /** An event checked and ready to be written by a statement that embeds {@link #insertAs}. */
    public static final class Entry {
        private final Row row;

        private Entry(Row row) {
            this.row = row;
        }

        /** The statement's parameters for this event, in the order {@link #insertAs} numbers them. */
        public Object[] parameters() {
            return row.values();
        }
    }

    private static String insertSql(int first) {
        return """
                INSERT INTO outbox_event (event_id, topic, record_key, slot, event_type, source, subject, occurred_at, payload)
                SELECT CAST($%1$d AS uuid), CAST($%2$d AS text), CAST($%3$d AS text), CAST($%4$d AS int),
                       CAST($%5$d AS text), CAST($%6$d AS text), CAST($%7$d AS text), CAST($%8$d AS timestamptz),
                       CAST($%9$d AS text)
                FROM outbox_lock_key(CAST($%3$d AS text))""".formatted(first, first + 1, first + 2, first + 3,
                first + 4, first + 5, first + 6, first + 7, first + 8);
    }

    private <T> Row row(EventType<T> type, String key, T data, Instant occurredAt) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("an event needs a record key");
        }
        String payload = new String(EventJson.write(data), StandardCharsets.UTF_8);
        Row row = new Row(UUID.randomUUID(), type.topic().topicName(), key, slotOf(key), type.type(), config.source(),
                key, occurredAt.atOffset(ZoneOffset.UTC), payload);
        int size = row.approximateRecordBytes();
        if (size > config.maxEventBytes()) {
            throw new EventTooLargeException("A " + type.type() + " event of " + size + " bytes exceeds the "
                    + config.maxEventBytes() + " bytes the broker accepts (reprise.outbox.max-event-bytes)");
        }
        return row;
    }

    static int slotOf(String key) {
        // String.hashCode is specified by the JLS, so every JVM agrees on the slot.
        return Math.floorMod(key.hashCode(), SLOTS);
    }

    private record Row(UUID eventId, String topic, String key, int slot, String eventType, String source,
            String subject, OffsetDateTime occurredAt, String payload) {

        Object[] values() {
            return new Object[] { eventId, topic, key, slot, eventType, source, subject, occurredAt, payload };
        }

        /** The Kafka record as the relay builds it: key, value and the CloudEvents headers, with some slack. */
        int approximateRecordBytes() {
            int headers = 512 + eventType.length() + source.length() + subject.length();
            return utf8Length(key) + utf8Length(payload) + headers;
        }

        private static int utf8Length(String text) {
            return text.getBytes(StandardCharsets.UTF_8).length;
        }
    }

    /** The event could never be published: it is refused in the transaction that writes it. */
    public static final class EventTooLargeException extends IllegalArgumentException {
        EventTooLargeException(String message) {
            super(message);
        }
    }
}
