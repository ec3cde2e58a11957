package dev.reprise.room.repository;

import dev.reprise.contracts.room.ParticipantRole;
import dev.reprise.room.Participant;
import dev.reprise.room.RoomStatus;
import dev.reprise.room.TimelineEntry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import dev.reprise.platform.outbox.Outbox;
import dev.reprise.platform.sql.PipelinedTransaction;
import dev.reprise.platform.sql.PipelinedTransaction.Change;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.function.BiFunction;

/**
 * Joins, leaves and removals: the hot path, since listeners come and go by the thousand while hosts act
 * rarely. Each runs on the reactive SQL client as one {@link PipelinedTransaction} in two round trips (BEGIN,
 * lock the room, read the participant; then participant, room, timeline and outbox row written in one
 * statement, with COMMIT) instead of the ORM's seven; the benchmark in bench/ measured the difference. Rooms'
 * other changes go through Hibernate Reactive.
 */
@ApplicationScoped
public class PresenceRepository {

    private final Pool pool;

    public PresenceRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * Runs one presence change as a {@link PipelinedTransaction}: BEGIN leaves together with the lock and the
     * read, then the change's one statement together with COMMIT.
     *
     * @param decide given the connection and the locked room (null if it does not exist), returns the result
     *        and the statements that make it so
     */
    public <T> Uni<T> change(UUID roomId, String userId, BiFunction<SqlConnection, LockedRoom, Change<T>> decide) {
        return PipelinedTransaction.run(pool, connection -> lockRoom(connection, roomId, userId), decide);
    }

    /**
     * Locks the room row (which serializes a room's changes and so the order of its events), then reads the
     * user's participant row. Both statements leave together (pipelined), but the read is a statement of its
     * own on purpose: PostgreSQL takes its snapshot after the lock is granted, whereas a join in the locking
     * statement would return the participant as it was before waiting for the lock (a racing leave would then
     * be announced twice).
     *
     * @return null when the room does not exist
     */
    private Uni<LockedRoom> lockRoom(SqlConnection transaction, UUID roomId, String userId) {
        Uni<RowSet<Row>> room = transaction.preparedQuery("SELECT host_id, status FROM room WHERE id = $1 FOR UPDATE")
                .execute(Tuple.of(roomId));
        Uni<RowSet<Row>> participant = transaction.preparedQuery("""
                SELECT id, role, present, joined_at, left_at, invited_at, recording_consent
                FROM participant WHERE room_id = $1 AND user_id = $2""")
                .execute(Tuple.of(roomId, userId));
        return Uni.combine().all().unis(room, participant)
                .with((roomRows, participantRows) -> toLockedRoom(roomRows, participantRows, roomId, userId));
    }

    /**
     * Writes a participant who arrives (first time or again), the host's return, the timeline entry and the
     * event, in one statement (so its COMMIT travels with it).
     */
    public Uni<Void> arrive(SqlConnection transaction, Participant participant, TimelineEntry entry, Outbox.Entry event) {
        return transaction.preparedQuery(ARRIVE).execute(withEvent(new Object[] { participant.id, participant.roomId,
                participant.userId, participant.role.name(), utc(participant.joinedAt), utc(entry.at),
                entry.kind.name(), entry.userId, nameOf(entry.role), entry.detail }, event))
                .replaceWithVoid();
    }

    private static final String ARRIVE = """
            WITH arrived AS (
                INSERT INTO participant (id, room_id, user_id, role, present, joined_at)
                VALUES ($1, $2, $3, $4, true, $5)
                ON CONFLICT (room_id, user_id) DO UPDATE
                SET role = EXCLUDED.role, present = true, joined_at = EXCLUDED.joined_at, left_at = NULL,
                    invited_at = NULL, recording_consent = NULL),
            host_back AS (
                UPDATE room SET host_absent_since = NULL
                WHERE id = $2 AND host_id = $3 AND host_absent_since IS NOT NULL),
            """ + Outbox.insertAs("announced", 11) + """

            INSERT INTO timeline_entry (room_id, at, kind, user_id, role, detail) VALUES ($2, $6, $7, $8, $9, $10)""";

    /**
     * Writes a participant who leaves or is removed, the timeline entry and the event, in one statement; when it
     * is the host, the room notes since when the host is away (it ends unless they are back within the grace
     * period).
     */
    public Uni<Void> depart(SqlConnection transaction, Participant participant, TimelineEntry entry, Outbox.Entry event) {
        return transaction.preparedQuery(DEPART).execute(withEvent(new Object[] { participant.roomId,
                participant.userId, utc(participant.leftAt), utc(entry.at), entry.kind.name(), entry.userId,
                nameOf(entry.role), entry.detail }, event))
                .replaceWithVoid();
    }

    private static final String DEPART = """
            WITH departed AS (
                UPDATE participant SET present = false, left_at = $3, invited_at = NULL
                WHERE room_id = $1 AND user_id = $2),
            host_away AS (
                UPDATE room SET host_absent_since = $3 WHERE id = $1 AND host_id = $2),
            """ + Outbox.insertAs("announced", 9) + """

            INSERT INTO timeline_entry (room_id, at, kind, user_id, role, detail) VALUES ($1, $4, $5, $6, $7, $8)""";

    private static Tuple withEvent(Object[] change, Outbox.Entry event) {
        Object[] eventParameters = event.parameters();
        Object[] all = Arrays.copyOf(change, change.length + eventParameters.length);
        System.arraycopy(eventParameters, 0, all, change.length, eventParameters.length);
        return Tuple.from(all);
    }

    /** The room as a presence change needs it, and the user's participant row (null if never there). */
    public record LockedRoom(UUID roomId, String hostId, RoomStatus status, Participant participant) {

        public boolean hasEnded() {
            return status == RoomStatus.ENDED;
        }

        public boolean isHost(String userId) {
            return hostId.equals(userId);
        }

        public boolean isPresent() {
            return participant != null && participant.present;
        }
    }

    private static LockedRoom toLockedRoom(RowSet<Row> roomRows, RowSet<Row> participantRows, UUID roomId,
            String userId) {
        Iterator<Row> rooms = roomRows.iterator();
        if (!rooms.hasNext()) {
            return null;
        }
        Row room = rooms.next();
        Participant participant = null;
        Iterator<Row> participants = participantRows.iterator();
        if (participants.hasNext()) {
            Row row = participants.next();
            participant = new Participant();
            participant.id = row.getUUID("id");
            participant.roomId = roomId;
            participant.userId = userId;
            participant.role = ParticipantRole.valueOf(row.getString("role"));
            participant.present = row.getBoolean("present");
            participant.joinedAt = instant(row.getOffsetDateTime("joined_at"));
            participant.leftAt = instant(row.getOffsetDateTime("left_at"));
            participant.invitedAt = instant(row.getOffsetDateTime("invited_at"));
            participant.recordingConsent = row.getBoolean("recording_consent");
        }
        return new LockedRoom(roomId, room.getString("host_id"), RoomStatus.valueOf(room.getString("status")),
                participant);
    }

    private static String nameOf(ParticipantRole role) {
        return role == null ? null : role.name();
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
