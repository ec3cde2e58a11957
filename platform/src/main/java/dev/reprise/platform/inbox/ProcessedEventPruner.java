package dev.reprise.platform.inbox;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import org.jboss.logging.Logger;

/**
 * Forgets processed events older than {@code reprise.inbox.retention}, in small batches so no long lock or
 * transaction builds up. Safe with several replicas: deleting a row twice deletes nothing.
 */
@ApplicationScoped
public class ProcessedEventPruner {

    private static final Logger LOG = Logger.getLogger(ProcessedEventPruner.class);
    private static final int BATCH = 10_000;

    private final Pool pool;
    private final InboxConfig config;

    public ProcessedEventPruner(Pool pool, InboxConfig config) {
        this.pool = pool;
        this.config = config;
    }

    @Scheduled(every = "${reprise.inbox.prune-interval:1h}", delayed = "30s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduledPrune() {
        return prune(Instant.now().minus(config.retention()))
                .invoke(deleted -> {
                    if (deleted > 0) {
                        LOG.infof("Forgot %d processed events older than %s", deleted, config.retention());
                    }
                })
                .onFailure().invoke(e -> LOG.warnf("Pruning processed events failed; next time: %s", e.toString()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Deletes every processed-event record older than {@code before}; returns how many. */
    public Uni<Long> prune(Instant before) {
        return pruneBatch(before, 0);
    }

    private Uni<Long> pruneBatch(Instant before, long deletedSoFar) {
        return pool.preparedQuery("""
                DELETE FROM processed_event WHERE ctid = ANY(ARRAY(
                    SELECT ctid FROM processed_event WHERE processed_at < $1 LIMIT $2))""")
                .execute(Tuple.of(before.atOffset(ZoneOffset.UTC), BATCH))
                .flatMap(rows -> rows.rowCount() < BATCH
                        ? Uni.createFrom().item(deletedSoFar + rows.rowCount())
                        : pruneBatch(before, deletedSoFar + rows.rowCount()));
    }
}
