package dev.reprise.recording.service;

import dev.reprise.recording.audio.MixWindows;
import dev.reprise.recording.audio.Pcm;
import dev.reprise.recording.config.RecordingConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Builds recordings while their rooms are live, and finishes them when the rooms end. Each worker thread takes a
 * lease on one recording that has work (a window whose audio is all sealed by now, a window whose audio changed,
 * or a room that ended: those first), does it, and lets the lease go. The lease makes one replica at a time work
 * on a recording; it is renewed per window, and the finishing step is fenced by it, so a replica that lost its
 * lease (a long pause) cannot finish a recording another replica took over.
 *
 * <p>A window is mixed once its audio can no longer be in a journal: journals are sealed at most two segment
 * lengths after they open, so the worker waits that long (and a little) after the window's end. Audio sealed
 * later (a late chunk, a consent withdrawal cut after the fact) marks its windows stale, and they are mixed again.
 */
@ApplicationScoped
public class MixingWorker {

    private static final Logger LOG = Logger.getLogger(MixingWorker.class);
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration IDLE_PAUSE = Duration.ofMillis(500);
    private static final Duration FAILURE_PAUSE = Duration.ofSeconds(5);
    /** An ended room whose last journals or consent re-cuts are not in yet is looked at again after this. */
    private static final Duration WAITING_PAUSE = Duration.ofSeconds(1);

    private final Pool pool;
    private final WindowMixer mixer;
    private final RecordingFinisher finisher;
    private final RecordingConfig.Mix config;
    private final long sealLagMillis;
    /**
     * This run of the replica: its name and a random part, since a restarted pod keeps its name but must not take
     * its predecessor's leases for its own. Each claim adds a number, so two threads never share a lease.
     */
    private final String replica;
    private final AtomicInteger claims = new AtomicInteger();
    private ExecutorService threads;
    private volatile boolean running;

    public MixingWorker(Pool pool, WindowMixer mixer, RecordingFinisher finisher, RecordingConfig config) {
        this.pool = pool;
        this.mixer = mixer;
        this.finisher = finisher;
        this.config = config.mix();
        this.replica = this.config.replica() + "-" + UUID.randomUUID().toString().substring(0, 8);
        this.sealLagMillis = 2 * config.ingest().segmentLength().toMillis() + config.ingest().flushInterval()
                .toMillis() + 2_000;
    }

    void start(@Observes StartupEvent started) {
        running = true;
        AtomicInteger names = new AtomicInteger();
        threads = Executors.newFixedThreadPool(config.workers(), runnable -> {
            Thread thread = new Thread(runnable, "recording-mixer-" + names.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        for (int i = 0; i < config.workers(); i++) {
            threads.execute(this::work);
        }
    }

    void stop(@Observes ShutdownEvent stopping) throws InterruptedException {
        running = false;
        if (threads != null) {
            threads.shutdownNow();
            threads.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private void work() {
        while (running && !Thread.currentThread().isInterrupted()) {
            Claimed claimed = null;
            try {
                claimed = claim();
                if (claimed == null) {
                    Thread.sleep(IDLE_PAUSE.toMillis());
                    continue;
                }
                Duration pause = Duration.ZERO;
                if (claimed.endedAt() != null) {
                    Claimed lease = claimed;
                    if (!finisher.finish(claimed.id(), claimed.owner(), () -> renew(lease))) {
                        pause = WAITING_PAUSE;
                    }
                } else {
                    mixLive(claimed);
                }
                release(claimed, pause, null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (LeaseLost lost) {
                LOG.warnf("Lost the lease on recording %s to another replica; leaving it", lost.getMessage());
            } catch (Exception | OutOfMemoryError e) {
                // Out of memory on one recording must not take the worker down for all the others.
                if (!running) {
                    return;
                }
                LOG.errorf(e, "Cannot work on recording %s now; trying again in %s",
                        claimed == null ? "(claim)" : claimed.id(), FAILURE_PAUSE);
                if (claimed != null) {
                    try {
                        release(claimed, FAILURE_PAUSE, reason(e));
                    } catch (Exception releaseFailed) {
                        LOG.debugf("Cannot release recording %s (%s); its lease runs out", claimed.id(),
                                releaseFailed.toString());
                    }
                } else {
                    pause(FAILURE_PAUSE);
                }
            }
        }
    }

    private record Claimed(UUID id, String owner, Instant startedAt, Instant endedAt, int nextWindow) {
    }

    private Claimed claim() {
        long window = config.windowLength().toMillis();
        String owner = replica + "/" + claims.incrementAndGet();
        RowSet<Row> rows = pool.preparedQuery("""
                UPDATE recording r SET lease_owner = $1, lease_until = now() + $2 * interval '1 millisecond'
                 WHERE r.id = (
                    SELECT c.id FROM recording c
                     WHERE c.status IN ('RECORDING', 'PROCESSING', 'READY')
                       AND (c.lease_until IS NULL OR c.lease_until < now())
                       AND CASE WHEN c.status = 'READY'
                           -- finished, but audio of it changed since (a late consent withdrawal): build it again;
                           -- or what earlier versions left is still to be removed
                           THEN c.rebuild_needed OR c.sweep_needed
                           ELSE c.ended_at IS NOT NULL
                                OR EXISTS (SELECT 1 FROM mix_window w
                                            WHERE w.recording_id = c.id AND w.input_version > w.mixed_version
                                              AND c.started_at + ((w.window_index + 1) * $3 + $4)
                                                  * interval '1 millisecond' < now())
                           END
                     ORDER BY c.ended_at NULLS LAST, c.started_at
                     LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING r.id, r.started_at, r.ended_at, r.next_window""")
                .execute(Tuple.of(owner, config.lease().toMillis(), window, sealLagMillis))
                .await().atMost(QUERY_TIMEOUT);
        if (rows.size() == 0) {
            return null;
        }
        Row row = rows.iterator().next();
        return new Claimed(row.getUUID("id"), owner, row.getOffsetDateTime("started_at").toInstant(),
                row.getOffsetDateTime("ended_at") == null ? null : row.getOffsetDateTime("ended_at").toInstant(),
                row.getInteger("next_window"));
    }

    /**
     * Mixes the windows of a live room that have audio (sealing made their rows) and whose audio is all sealed by
     * now. A window nobody spoke in is left for the end, where it costs one encode of silence; mixing it live would
     * cost the same every few seconds for every live room, audio or not.
     */
    private void mixLive(Claimed claimed) throws Exception {
        MixWindows windows = mixer.windows();
        Instant now = now();
        long sealedUntil = Pcm.millisToSamples(Duration.between(claimed.startedAt(), now).toMillis() - sealLagMillis);
        int ready = sealedUntil <= 0 ? 0 : windows.of(sealedUntil);
        List<Integer> todo = new ArrayList<>();
        pool.preparedQuery("""
                SELECT window_index FROM mix_window WHERE recording_id = $1 AND input_version > mixed_version
                   AND window_index < $2 ORDER BY window_index""")
                .execute(Tuple.of(claimed.id(), ready)).await().atMost(QUERY_TIMEOUT)
                .forEach(row -> todo.add(row.getInteger("window_index")));
        for (int window : todo) {
            mixer.mix(claimed.id(), window, -1, claimed.owner());
            renew(claimed);
        }
    }

    private Instant now() {
        return pool.query("SELECT now() AS now").execute().await().atMost(QUERY_TIMEOUT).iterator().next()
                .getOffsetDateTime("now").toInstant();
    }

    /** Extends the lease of {@code claimed}; throws {@link LeaseLost} if someone else holds the recording now. */
    private void renew(Claimed claimed) {
        RowSet<Row> rows = pool.preparedQuery("""
                UPDATE recording SET lease_until = now() + $3 * interval '1 millisecond'
                 WHERE id = $1 AND lease_owner = $2 RETURNING id""")
                .execute(Tuple.of(claimed.id(), claimed.owner(), config.lease().toMillis()))
                .await().atMost(QUERY_TIMEOUT);
        if (rows.size() == 0) {
            throw new LeaseLost(claimed.id().toString());
        }
    }

    /**
     * Lets the lease go, with a pause before the next claim. A failure is kept for the API to show; an ended room
     * that failed {@code max-attempts} times in a row is FAILED (a live room keeps trying: its audio keeps coming),
     * a READY one too (a rebuild that cannot be made must not leave the old version, a withdrawn voice perhaps,
     * available). A FAILED recording is deleted by retention like any other ({@link RetentionWorker}).
     */
    private void release(Claimed claimed, Duration pause, String failure) {
        pool.preparedQuery("""
                UPDATE recording SET lease_owner = NULL, lease_until = now() + $3 * interval '1 millisecond',
                       failure = CAST($4 AS text),
                       attempts = CASE WHEN CAST($4 AS text) IS NULL THEN 0 ELSE attempts + 1 END,
                       status = CASE WHEN CAST($4 AS text) IS NOT NULL AND ended_at IS NOT NULL AND attempts + 1 >= $5
                                      AND status IN ('RECORDING', 'PROCESSING', 'READY') THEN 'FAILED'
                                     ELSE status END
                 WHERE id = $1 AND lease_owner = $2""")
                .execute(Tuple.of(claimed.id(), claimed.owner(), pause.toMillis(), failure, config.maxAttempts()))
                .await().atMost(QUERY_TIMEOUT);
    }

    /** A failure as the recording shows it: one line, no control characters (PostgreSQL text refuses NUL). */
    static String reason(Throwable failure) {
        String text = String.valueOf(failure.getMessage() == null ? failure.toString() : failure.getMessage());
        text = text.replaceAll("\\p{Cntrl}", " ").strip();
        return text.length() > 500 ? text.substring(0, 500) + "…" : text;
    }

    private static void pause(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Another replica took the recording over: this one stops working on it. */
    public static final class LeaseLost extends RuntimeException {
        LeaseLost(String recordingId) {
            super(recordingId);
        }
    }
}
