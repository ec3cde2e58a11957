package dev.reprise.recording.service;

import io.quarkus.scheduler.Scheduled;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Carries out the requests to cut sealed audio again that the projection writes with each "no" (a withdrawal, a
 * speaker leaving): one replica at a time takes a request on a lease, re-cuts, then deletes it; a replica that dies
 * midway lets the lease run out and another does it again (re-cutting twice gives the same result).
 */
@ApplicationScoped
public class ConsentRecuts {

    private static final Logger LOG = Logger.getLogger(ConsentRecuts.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Pool pool;
    private final SegmentSealer sealer;

    public ConsentRecuts(Pool pool, SegmentSealer sealer) {
        this.pool = pool;
        this.sealer = sealer;
    }

    @Scheduled(every = "${reprise.recording.ingest.recut-interval:1s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            // no round starts once shutdown began: the database pool is closing
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void run() {
        try {
            while (takeOne()) {
                // until none is due
            }
        } catch (Exception e) {
            LOG.warnf("Cannot re-cut withdrawn audio now (%s); trying again shortly", e.getMessage());
        }
    }

    private boolean takeOne() throws Exception {
        RowSet<Row> leased = pool.query("""
                UPDATE consent_recut SET leased_until = now() + interval '5 minutes'
                 WHERE id = (SELECT id FROM consent_recut WHERE leased_until < now() ORDER BY id
                             FOR UPDATE SKIP LOCKED LIMIT 1)
                RETURNING id, room_id, user_id, stated_at""").execute().await().atMost(TIMEOUT);
        if (leased.size() == 0) {
            return false;
        }
        Row request = leased.iterator().next();
        sealer.recut(request.getUUID("room_id"), request.getString("user_id"),
                request.getOffsetDateTime("stated_at").toInstant());
        pool.preparedQuery("DELETE FROM consent_recut WHERE id = $1").execute(Tuple.of(request.getLong("id")))
                .await().atMost(TIMEOUT);
        return true;
    }
}
