package dev.reprise.recording.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.EventJson;
import dev.reprise.contracts.EventType;
import dev.reprise.contracts.room.RetentionPolicy;
import dev.reprise.contracts.room.RoomCreated;
import dev.reprise.contracts.room.RoomSettings;
import dev.reprise.contracts.room.RoomStarted;
import dev.reprise.contracts.room.SpeakerAdded;
import dev.reprise.stack.testing.TestEvents;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Rooms as room-service announces them (its events on Kafka, produced as its relay produces them) and what
 * recording-service makes of them, for the ingest tests.
 */
final class AnnouncedRooms implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(30);

    /** A live room: its host, its recording (null when not recorded) and its start, the recording's time zero. */
    record Room(UUID id, String host, UUID recordingId, Instant startedAt) {
    }

    private final KafkaProducer<String, byte[]> producer;
    private final Pool pool;

    AnnouncedRooms(String bootstrapServers, Pool pool) {
        this.producer = TestEvents.producer(bootstrapServers);
        this.pool = pool;
    }

    /** A room gone live now, with {@code speaker} on stage and agreeing to be recorded; once projected. */
    Room live(String speaker, boolean recording) {
        return live(speaker, recording, RetentionPolicy.SAVED);
    }

    /** The same, under a given retention policy. */
    Room live(String speaker, boolean recording, RetentionPolicy retention) {
        UUID roomId = UUID.randomUUID();
        String host = "host-" + roomId.toString().substring(0, 8);
        Instant startedAt = now();
        RoomSettings settings = new RoomSettings(recording, false, true, retention);
        send(EventCatalog.ROOM_CREATED, roomId, new RoomCreated(roomId, host, "Live", settings, startedAt));
        send(EventCatalog.ROOM_STARTED, roomId, new RoomStarted(roomId, host, settings, startedAt));
        send(EventCatalog.SPEAKER_ADDED, roomId, new SpeakerAdded(roomId, speaker, true, startedAt));
        awaitCount("SELECT count(*) FROM speaker_consent WHERE room_id = $1 AND user_id = '" + speaker + "'", roomId,
                1);
        UUID recordingId = recording ? awaitRow("SELECT id FROM recording WHERE room_id = $1", roomId).getUUID("id")
                : null;
        return new Room(roomId, host, recordingId, startedAt);
    }

    <T> void send(EventType<T> type, UUID roomId, T data) {
        send(type, roomId, data, UUID.randomUUID());
    }

    /** Sends an event with a given id: the same id twice is a redelivery. */
    <T> void send(EventType<T> type, UUID roomId, T data, UUID eventId) {
        try {
            producer.send(TestEvents.roomRecord(type.type(), eventId.toString(), roomId,
                    EventJson.write(data))).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Milliseconds, as events carry them and as positions are counted. */
    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    long count(String sql, UUID roomId) {
        return pool.preparedQuery(sql).execute(Tuple.of(roomId)).await().atMost(WAIT).iterator().next().getLong(0);
    }

    void awaitCount(String sql, UUID roomId, long expected) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (count(sql, roomId) < expected) {
            assertThat(System.nanoTime()).as("%d rows for %s", expected, sql).isLessThan(deadline);
            pause();
        }
    }

    Row awaitRow(String sql, UUID roomId) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            var rows = pool.preparedQuery(sql).execute(Tuple.of(roomId)).await().atMost(WAIT);
            if (rows.size() > 0) {
                return rows.iterator().next();
            }
            assertThat(System.nanoTime()).as("a row for " + sql).isLessThan(deadline);
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
