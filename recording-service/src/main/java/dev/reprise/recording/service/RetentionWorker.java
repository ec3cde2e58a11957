package dev.reprise.recording.service;

import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.recording.DeletionReason;
import dev.reprise.contracts.recording.RecordingDeleted;
import dev.reprise.platform.outbox.Outbox;
import dev.reprise.recording.config.RecordingConfig;
import dev.reprise.storage.ObjectStorage;
import io.minio.ListObjectsArgs;
import io.minio.RemoveObjectsArgs;
import io.minio.Result;
import io.minio.messages.DeleteError;
import io.minio.messages.DeleteObject;
import io.minio.messages.Item;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Deletes recordings when their time comes: a MODERATION_30D recording the host did not save, when its window has
 * passed; an EPHEMERAL one when its room ends; any the host deleted. A moderator's hold stops all of it until it is
 * released. Every replica runs this: marking what is due is one idempotent statement, and each deletion is done
 * under a lease on the recording (the same lease the mixing worker uses), so two replicas never delete one
 * recording at once, and the final transaction (DELETED, its rows, {@code recording deleted}) is fenced by it.
 * Objects go first, every version's, then the rows: a crash in between leaves a DELETING recording that the next
 * round deletes again, finding fewer objects.
 */
@ApplicationScoped
public class RetentionWorker {

    private static final Logger LOG = Logger.getLogger(RetentionWorker.class);
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration LEASE = Duration.ofMinutes(5);

    private final Pool pool;
    private final ObjectStorage storage;
    private final Outbox outbox;
    private final Clock clock;
    private final RecordingConfig.Retention config;
    private final String owner = "retention-" + UUID.randomUUID();

    public RetentionWorker(Pool pool, ObjectStorage storage, Outbox outbox, Clock clock, RecordingConfig config) {
        this.config = config.retention();
        this.pool = pool;
        this.storage = storage;
        this.outbox = outbox;
        this.clock = clock;
    }

    /** When a recording of a room that ended at {@code endedAt} under {@code policy} is due (null: kept). */
    public static Instant deleteAfter(String policy, Instant endedAt, boolean saved, RecordingConfig.Retention config) {
        if (saved || "SAVED".equals(policy)) {
            return null;
        }
        return "EPHEMERAL".equals(policy) ? endedAt : endedAt.plus(config.moderationWindow());
    }

    @Scheduled(every = "${reprise.recording.retention.check-interval:10s}", delayed = "2s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            // no round starts once shutdown began: the database pool is closing
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void run() {
        try {
            markDue();
            Claimed claimed;
            while ((claimed = claim()) != null) {
                delete(claimed);
            }
        } catch (Exception e) {
            LOG.errorf(e, "Retention round failed; the next round tries again");
        }
    }

    /**
     * Recordings whose time has come (by this service's clock) and that nobody holds or saved become DELETING; a
     * FAILED one is kept for the moderation window after its end (what ingest stored, for an investigation).
     */
    void markDue() {
        RowSet<Row> due = pool.preparedQuery("""
                UPDATE recording SET status = 'DELETING',
                       deletion_reason = CASE WHEN retention_policy = 'EPHEMERAL' THEN 'EPHEMERAL'
                                              ELSE 'RETENTION_EXPIRED' END
                 WHERE status IN ('READY', 'FAILED') AND hold_reason IS NULL AND saved_at IS NULL
                   AND COALESCE(delete_after, CASE WHEN status = 'FAILED'
                                              THEN ended_at + $2 * interval '1 millisecond' END) <= $1
                RETURNING id, deletion_reason""")
                .execute(Tuple.of(clock.instant().atOffset(ZoneOffset.UTC), config.moderationWindow().toMillis()))
                .await().atMost(QUERY_TIMEOUT);
        due.forEach(row -> LOG.infof("Recording %s is due for deletion (%s)", row.getUUID("id"),
                row.getString("deletion_reason")));
    }

    private record Claimed(UUID id, UUID roomId, String hostId, DeletionReason reason) {
    }

    private Claimed claim() {
        RowSet<Row> rows = pool.preparedQuery("""
                UPDATE recording r SET lease_owner = $1, lease_until = now() + $2 * interval '1 millisecond',
                       deletion_started_at = COALESCE(r.deletion_started_at, now())
                  FROM room_policy p
                 WHERE p.room_id = r.room_id AND r.id = (
                    SELECT c.id FROM recording c WHERE c.status = 'DELETING' AND c.hold_reason IS NULL
                       AND (c.lease_until IS NULL OR c.lease_until < now())
                       -- nothing of it still on its way into storage
                       AND NOT EXISTS (SELECT 1 FROM pending_journal j WHERE j.recording_id = c.id)
                       AND NOT EXISTS (SELECT 1 FROM consent_recut k WHERE k.room_id = c.room_id)
                     LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING r.id, r.room_id, p.host_id, r.deletion_reason""")
                .execute(Tuple.of(owner, LEASE.toMillis())).await().atMost(QUERY_TIMEOUT);
        if (rows.size() == 0) {
            return null;
        }
        Row row = rows.iterator().next();
        return new Claimed(row.getUUID("id"), row.getUUID("room_id"), row.getString("host_id"),
                DeletionReason.valueOf(row.getString("deletion_reason")));
    }

    private void delete(Claimed recording) {
        try {
            int removed = removeObjects("recordings/" + recording.id() + "/", recording.id());
            Instant now = clock.instant();
            RecordingDeleted event = new RecordingDeleted(recording.id(), recording.roomId(), recording.hostId(),
                    recording.reason(), now);
            boolean deleted = pool.withTransaction(connection -> connection.preparedQuery("""
                    UPDATE recording SET status = 'DELETED', deleted_at = $3, lease_owner = NULL, lease_until = NULL,
                           processing_step = NULL
                     WHERE id = $1 AND lease_owner = $2 AND status = 'DELETING' AND hold_reason IS NULL
                    RETURNING id""")
                    .execute(Tuple.of(recording.id(), owner, now.atOffset(ZoneOffset.UTC)))
                    .flatMap(updated -> updated.size() == 0 ? Uni.createFrom().item(false)
                            : connection.preparedQuery("""
                                    WITH segments AS (DELETE FROM track_segment s USING track t
                                                       WHERE s.track_id = t.id AND t.recording_id = $1),
                                         windows AS (DELETE FROM mix_window WHERE recording_id = $1),
                                         pending AS (DELETE FROM pending_journal WHERE recording_id = $1),
                                         chunks AS (DELETE FROM ingest_chunk k USING track t
                                                     WHERE k.track_id = t.id AND t.recording_id = $1),
                                         edits AS (DELETE FROM recording_edit WHERE recording_id = $1)
                                    DELETE FROM recording_file WHERE recording_id = $1""")
                                    .execute(Tuple.of(recording.id()))
                                    .chain(() -> outbox.add(connection, EventCatalog.RECORDING_DELETED,
                                            recording.roomId().toString(), event, now))
                                    .replaceWith(true)))
                    .await().atMost(QUERY_TIMEOUT);
            if (deleted) {
                LOG.infof("Recording %s deleted (%s): %d object(s) removed", recording.id(), recording.reason(),
                        removed);
            } else {
                LOG.warnf("Recording %s was not marked deleted: held meanwhile, or another replica took over",
                        recording.id());
            }
        } catch (Exception e) {
            LOG.errorf(e, "Cannot delete recording %s now; the next round tries again", recording.id());
            pool.preparedQuery("UPDATE recording SET lease_owner = NULL, lease_until = now() + interval '5 seconds'"
                    + " WHERE id = $1 AND lease_owner = $2").execute(Tuple.of(recording.id(), owner))
                    .await().atMost(QUERY_TIMEOUT);
        }
    }

    /** Removes every object under {@code prefix}, renewing the lease per batch; fails if any is left. */
    private int removeObjects(String prefix, UUID recordingId) throws Exception {
        int removed = 0;
        while (true) {
            if (pool.preparedQuery("""
                    UPDATE recording SET lease_until = now() + $3 * interval '1 millisecond'
                     WHERE id = $1 AND lease_owner = $2 RETURNING id""")
                    .execute(Tuple.of(recordingId, owner, LEASE.toMillis())).await().atMost(QUERY_TIMEOUT)
                    .size() == 0) {
                throw new IllegalStateException("lost the lease on recording " + recordingId);
            }
            List<DeleteObject> batch = new ArrayList<>();
            for (Result<Item> item : storage.client().listObjects(ListObjectsArgs.builder().bucket(storage.bucket())
                    .prefix(prefix).recursive(true).build())) {
                batch.add(new DeleteObject(item.get().objectName()));
                if (batch.size() == 1000) {
                    break;
                }
            }
            if (batch.isEmpty()) {
                return removed;
            }
            for (Result<DeleteError> error : storage.client().removeObjects(RemoveObjectsArgs.builder()
                    .bucket(storage.bucket()).objects(batch).build())) {
                DeleteError failed = error.get();
                throw new IllegalStateException("cannot remove " + failed.objectName() + ": " + failed.message());
            }
            removed += batch.size();
        }
    }
}
