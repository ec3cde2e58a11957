package dev.reprise.platform.outbox;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs this replica's outbox relay on a thread of its own for the lifetime of the service, and reports on it:
 * metrics {@code reprise.outbox.published}, {@code reprise.outbox.blocked.keys},
 * {@code reprise.outbox.oldest.pending.seconds}, {@code reprise.outbox.seconds.since.success}, and the
 * {@link OutboxHealthCheck}.
 */
@ApplicationScoped
public class OutboxRelayService {

    private static final Logger LOG = Logger.getLogger(OutboxRelayService.class);
    /** How often the relay thread refreshes what health and metrics show (cheap, indexed queries). */
    private static final Duration STATUS_INTERVAL = Duration.ofSeconds(5);

    private final Pool pool;
    private final OutboxConfig config;
    private final Map<String, Object> kafkaConfig;
    private final MeterRegistry registry;
    private final String application;
    private volatile TransactionalIdLease lease;
    private final AtomicLong lastSuccess = new AtomicLong(System.currentTimeMillis());

    /** Held while a publishing round runs. */
    private final ReentrantLock round = new ReentrantLock();
    private volatile boolean running;
    private volatile boolean paused;
    private volatile Status status = new Status(List.of(), 0, null);
    private long statusRefreshedAt;
    private Thread thread;
    private volatile OutboxRelay relay;
    private Counter published;

    public OutboxRelayService(Pool pool, OutboxConfig config,
            @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig, MeterRegistry registry,
            @ConfigProperty(name = "quarkus.application.name") String application) {
        this.pool = pool;
        this.config = config;
        this.kafkaConfig = kafkaConfig;
        this.registry = registry;
        this.application = application;
    }

    /** A key the broker refused for good, with the error, as health shows it. */
    public record BlockedKey(String key, UUID eventId, String error, int attempts, Instant since, Instant retryAt) {
    }

    /** What health and metrics show, refreshed by the relay thread. */
    public record Status(List<BlockedKey> blockedKeys, double oldestPendingSeconds, String lastFailure) {
    }

    void onStart(@Observes StartupEvent event) {
        lease = TransactionalIdLease.take(pool, application);
        relay = OutboxRelay.create(pool, kafkaConfig, lease.transactionalId(), OutboxRelay.Settings.of(config.relay()));
        published = registry.counter("reprise.outbox.published");
        Gauge.builder("reprise.outbox.seconds.since.success",
                () -> (System.currentTimeMillis() - lastSuccess.get()) / 1000.0).register(registry);
        Gauge.builder("reprise.outbox.blocked.keys", () -> status.blockedKeys().size()).register(registry);
        Gauge.builder("reprise.outbox.oldest.pending.seconds", () -> status.oldestPendingSeconds()).register(registry);
        paused = !config.relay().enabled();
        running = true;
        thread = new Thread(this::run, "outbox-relay");
        thread.setDaemon(true);
        thread.start();
        LOG.infof("Outbox relay %s started (%s)", lease.transactionalId(),
                paused ? "paused by configuration" : "publishing");
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        if (thread != null) {
            // A round under way finishes (commit or abort) rather than being cut: an interrupted commit could
            // leave a Kafka transaction open that holds back every reader of its partitions until it times out.
            LockSupport.unpark(thread);
            try {
                thread.join(config.relay().sendTimeout().plusSeconds(5).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (relay != null) {
            relay.close();
        }
        lease.release();
    }

    /**
     * Stops publishing; committed events wait in the outbox until {@link #resume()}. Returns once a round
     * that was under way has finished, so nothing is published after this returns.
     */
    public void pause() {
        paused = true;
        round.lock();
        round.unlock();
    }

    public void resume() {
        paused = false;
        LockSupport.unpark(thread); // wake it from its idle wait (an interrupt could cut a round short)
    }

    public boolean isPaused() {
        return paused;
    }

    public long pending() {
        return relay.pending();
    }

    public Instant lastSuccess() {
        return Instant.ofEpochMilli(lastSuccess.get());
    }

    public Status status() {
        return status;
    }

    private void run() {
        Duration backoff = config.relay().pollInterval();
        while (running) {
            try {
                OutboxRelay.Round done = publishUnlessPaused();
                if (!paused) {
                    lastSuccess.set(System.currentTimeMillis());
                }
                published.increment(done.published());
                backoff = config.relay().pollInterval();
                refreshStatus(null, !done.blockedKeys().isEmpty());
                if (done.published() == 0 && done.blockedKeys().isEmpty()) {
                    sleep(config.relay().pollInterval());
                } else if (!done.backlog()) {
                    sleep(config.relay().linger());
                }
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warnf("Outbox relay failed, events stay in the outbox and are retried in %s: %s", backoff, e.toString());
                status = new Status(status.blockedKeys(), status.oldestPendingSeconds(), e.toString());
                refreshStatus(e.toString(), true); // the database is often up while the broker is not
                sleep(backoff);
                backoff = min(backoff.multipliedBy(2), config.relay().maxBackoff());
            }
        }
    }

    private OutboxRelay.Round publishUnlessPaused() {
        round.lock();
        try {
            if (lease.isLost()) {
                renewLease();
            }
            return paused ? OutboxRelay.Round.IDLE : relay.publishPending();
        } finally {
            round.unlock();
        }
    }

    /** The database session holding the lease ended: lease again, and publish under the new id from now on. */
    private void renewLease() {
        TransactionalIdLease renewed = TransactionalIdLease.take(pool, application);
        lease.release();
        relay.close();
        lease = renewed;
        relay = OutboxRelay.create(pool, kafkaConfig, lease.transactionalId(), OutboxRelay.Settings.of(config.relay()));
        LOG.infof("Outbox relay publishing as %s", lease.transactionalId());
    }

    /** Every few seconds, or at once when a key was just blocked; never lets a failure here stop the relay. */
    private void refreshStatus(String failure, boolean now) {
        long millis = System.currentTimeMillis();
        if (!now && millis - statusRefreshedAt < STATUS_INTERVAL.toMillis()) {
            return;
        }
        statusRefreshedAt = millis;
        try {
            // A blocked key whose waiting rows are gone (deleted by hand) no longer waits for anything.
            pool.query("""
                    DELETE FROM outbox_blocked_key b WHERE NOT EXISTS (
                        SELECT 1 FROM outbox_event o WHERE o.record_key = b.record_key AND o.id >= b.outbox_id)""")
                    .execute().await().atMost(STATUS_INTERVAL);
            List<BlockedKey> blocked = new ArrayList<>();
            for (Row row : pool.query("""
                    SELECT record_key, event_id, error, attempts, first_failed_at, retry_at
                    FROM outbox_blocked_key ORDER BY first_failed_at LIMIT 20""").execute().await().atMost(STATUS_INTERVAL)) {
                blocked.add(new BlockedKey(row.getString("record_key"), row.getUUID("event_id"), row.getString("error"),
                        row.getInteger("attempts"), row.getOffsetDateTime("first_failed_at").toInstant(),
                        row.getOffsetDateTime("retry_at").toInstant()));
            }
            // The oldest row by id: an index probe, as cheap with a million rows pending as with none.
            Row oldest = pool.query("""
                    SELECT coalesce(extract(epoch FROM now() - (SELECT occurred_at FROM outbox_event ORDER BY id LIMIT 1)), 0)""")
                    .execute().await().atMost(STATUS_INTERVAL).iterator().next();
            status = new Status(List.copyOf(blocked), Math.max(0, oldest.getDouble(0)), failure);
        } catch (RuntimeException e) {
            LOG.debugf("Cannot refresh the outbox status: %s", e.toString());
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Parks instead of sleeping: woken by resume() or shutdown without an interrupt; the loop re-checks its flags. */
    private static void sleep(Duration duration) {
        LockSupport.parkNanos(duration.toNanos());
    }
}
