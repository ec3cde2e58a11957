package dev.reprise.platform.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reprise.platform.sql.PipelinedTransaction.Change;
import dev.reprise.platform.testapp.PlatformTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A pipelined transaction commits all of its writes or none, whoever refuses one of them. */
@QuarkusTest
@WithTestResource(PlatformTestResource.class)
class PipelinedTransactionTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String INSERT = "INSERT INTO heard_event (event_id, room_id, type) VALUES ($1, $2, 'test')";

    @Inject
    Pool pool;

    @Test
    void aWriteTheClientRefusesBeforeSendingItCommitsNothing() {
        String eventId = "refused-" + UUID.randomUUID();
        UUID room = UUID.randomUUID();
        // A statement text no connection has prepared yet: the first write waits for its preparation, the others
        // queue behind it, and the refusal comes later, on the event loop, with the writes after it still queued
        // (with a prepared statement the client refuses at once, before anything behind it is even asked for).
        String insert = INSERT + " -- " + eventId;
        Uni<String> transaction = PipelinedTransaction.run(pool, connection -> Uni.createFrom().item("read"),
                (connection, read) -> new Change<>(read, List.of(
                        connection.preparedQuery(insert).execute(Tuple.of(eventId, room)),
                        // A number where PostgreSQL expects a uuid: the client refuses it and never sends it.
                        connection.preparedQuery(insert).execute(Tuple.of(eventId, 42)),
                        connection.preparedQuery(insert).execute(Tuple.of(eventId, room)))));
        assertThatThrownBy(() -> transaction.await().atMost(TIMEOUT)).hasMessageContaining("coerced");
        assertThat(rowsOf(eventId)).isZero();
    }

    @Test
    void aWriteTheDatabaseRefusesCommitsNothing() {
        String eventId = "failed-" + UUID.randomUUID();
        Uni<String> transaction = PipelinedTransaction.run(pool, connection -> Uni.createFrom().item("read"),
                (connection, read) -> new Change<>(read, List.of(
                        connection.preparedQuery(INSERT).execute(Tuple.of(eventId, UUID.randomUUID())),
                        connection.preparedQuery(INSERT).execute(Tuple.of(eventId, (UUID) null)))));
        assertThatThrownBy(() -> transaction.await().atMost(TIMEOUT)).hasMessageContaining("room_id");
        assertThat(rowsOf(eventId)).isZero();
    }

    @Test
    void successfulWritesCommitTogether() {
        String eventId = "committed-" + UUID.randomUUID();
        String result = PipelinedTransaction.run(pool, connection -> Uni.createFrom().item("done"),
                (connection, read) -> new Change<>(read, List.of(
                        connection.preparedQuery(INSERT).execute(Tuple.of(eventId, UUID.randomUUID())),
                        connection.preparedQuery(INSERT).execute(Tuple.of(eventId, UUID.randomUUID())))))
                .await().atMost(TIMEOUT);
        assertThat(result).isEqualTo("done");
        assertThat(rowsOf(eventId)).isEqualTo(2);
    }

    @Test
    void aSingleWriteSentWithItsCommitIsRefusedAsAWholeAndTheCallerSeesIt() {
        String eventId = "single-refused-" + UUID.randomUUID();
        String insert = INSERT + " -- " + eventId;
        Uni<String> refusedByClient = PipelinedTransaction.run(pool, connection -> Uni.createFrom().item("read"),
                (connection, read) -> new Change<>(read, List.of(
                        connection.preparedQuery(insert).execute(Tuple.of(eventId, 42)))));
        assertThatThrownBy(() -> refusedByClient.await().atMost(TIMEOUT)).hasMessageContaining("coerced");
        Uni<String> refusedByDatabase = PipelinedTransaction.run(pool, connection -> Uni.createFrom().item("read"),
                (connection, read) -> new Change<>(read, List.of(
                        connection.preparedQuery(INSERT).execute(Tuple.of(eventId, (UUID) null)))));
        assertThatThrownBy(() -> refusedByDatabase.await().atMost(TIMEOUT)).hasMessageContaining("room_id");
        assertThat(rowsOf(eventId)).isZero();
        // The connections went back to the pool outside any transaction: a later write commits on its own.
        String later = PipelinedTransaction.run(pool, connection -> Uni.createFrom().item("later"),
                (connection, read) -> new Change<>(read, List.of(
                        connection.preparedQuery(INSERT).execute(Tuple.of(eventId, UUID.randomUUID())))))
                .await().atMost(TIMEOUT);
        assertThat(later).isEqualTo("later");
        assertThat(rowsOf(eventId)).isEqualTo(1);
    }

    private long rowsOf(String eventId) {
        return pool.preparedQuery("SELECT count(*) FROM heard_event WHERE event_id = $1").execute(Tuple.of(eventId))
                .await().atMost(TIMEOUT).iterator().next().getLong(0);
    }
}
