package dev.reprise.room.repository;

import static dev.reprise.room.rest.RoomApi.createLiveRoom;
import static dev.reprise.room.rest.RoomApi.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reprise.contracts.room.ParticipantRole;
import dev.reprise.platform.outbox.OutboxRelayService;
import dev.reprise.platform.problem.ProblemException;
import dev.reprise.room.Participant;
import dev.reprise.room.messaging.RoomEvents;
import dev.reprise.room.TimelineEntry;
import dev.reprise.room.TimelineEntry.Kind;
import dev.reprise.platform.sql.PipelinedTransaction.Change;
import dev.reprise.stack.testing.LocalStackTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The presence path delimits its transactions by hand (to pipeline them), so these tests check what the
 * SQL client's Transaction API would otherwise guarantee: all or nothing, and no connection goes back to
 * the pool with a transaction still open.
 */
@QuarkusTest
@WithTestResource(value = LocalStackTestResource.class,
        initArgs = @ResourceArg(name = "service", value = "room-service"))
class PresenceRepositoryTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Inject
    PresenceRepository presence;

    @Inject
    RoomEvents events;

    @Inject
    Pool pool;

    @Inject
    OutboxRelayService relay;

    /** Held apart, so the connection a change returns to the pool is never the one that inspects it. */
    SqlConnection observer;

    /** The relay's own transactions wait on Kafka between statements; paused, only ours can be open. */
    @BeforeEach
    void pauseRelayAndTakeObserver() {
        relay.pause();
        observer = pool.getConnection().await().atMost(TIMEOUT);
    }

    @AfterEach
    void releaseObserverAndResumeRelay() {
        observer.close().await().atMost(TIMEOUT);
        relay.resume();
    }

    @Test
    void aFailedWriteLeavesNothingBehind() {
        UUID roomId = UUID.fromString(createLiveRoom(uniqueUser("host"), Map.of()));
        String user = uniqueUser("listener");
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Participant participant = Participant.arrive(roomId, user, ParticipantRole.LISTENER, now);
        TimelineEntry entry = TimelineEntry.of(roomId, now, Kind.JOINED, user, ParticipantRole.LISTENER, null);

        // The participant's row is written, then a statement breaks a constraint: the COMMIT sent right
        // behind them must commit nothing.
        Uni<Participant> change = presence.change(roomId, user, (tx, room) -> new Change<>(participant, List.of(
                presence.arrive(tx, participant, entry, events.joined(participant)),
                tx.preparedQuery("INSERT INTO timeline_entry (room_id, at, kind, user_id) VALUES ($1, now(), 'JOINED', NULL)")
                        .execute(Tuple.of(roomId)))));
        assertThatThrownBy(() -> change.await().atMost(TIMEOUT)).hasMessageContaining("user_id");

        assertThat(count("SELECT count(*) FROM participant WHERE room_id = $1 AND user_id = $2", roomId, user))
                .isZero();
        assertThat(count("SELECT count(*) FROM timeline_entry WHERE room_id = $1 AND user_id = $2", roomId, user))
                .isZero();
        assertThat(openTransactions()).isZero();
    }

    @Test
    void aProblemFoundUnderTheLockRollsBackAndReleasesIt() {
        UUID roomId = UUID.fromString(createLiveRoom(uniqueUser("host"), Map.of()));
        Uni<Object> refused = presence.change(roomId, "someone", (tx, room) -> {
            throw ProblemException.conflict("test", "Refused", "Refused under the lock.");
        });
        assertThatThrownBy(() -> refused.await().atMost(TIMEOUT)).isInstanceOf(ProblemException.class);
        assertThat(openTransactions()).isZero();

        // The room's lock was released: another change of the same room goes through at once.
        String user = uniqueUser("listener");
        String hostOfRoom = presence.change(roomId, user, (tx, room) -> Change.none(room.hostId()))
                .await().atMost(TIMEOUT);
        assertThat(hostOfRoom).startsWith("host");
    }

    @Test
    void anUnknownRoomIsNull() {
        Boolean found = presence.change(UUID.randomUUID(), "someone", (tx, room) -> Change.none(room != null))
                .await().atMost(TIMEOUT);
        assertThat(found).isFalse();
        assertThat(openTransactions()).isZero();
    }

    /** Connections of this database that sit inside a transaction with nothing running. */
    private long openTransactions() {
        return count("""
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()""");
    }

    private long count(String sql, Object... parameters) {
        return observer.preparedQuery(sql).execute(Tuple.from(parameters)).await().atMost(TIMEOUT)
                .iterator().next().getLong(0);
    }
}
