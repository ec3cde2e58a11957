package dev.reprise.platform.outbox;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/** Runs this replica's outbox relay on a thread of its own for the lifetime of the service. */
@ApplicationScoped
public class OutboxRelayService {

    private static final Logger LOG = Logger.getLogger(OutboxRelayService.class);

    private final Pool pool;
    private final OutboxConfig config;
    private final Map<String, Object> kafkaConfig;
    private final MeterRegistry registry;
    private final AtomicLong lastSuccess = new AtomicLong(System.currentTimeMillis());

    /** Held while a publishing round runs. */
    private final ReentrantLock round = new ReentrantLock();
    private volatile boolean running;
    private volatile boolean paused;
    private Thread thread;
    private Producer<String, byte[]> producer;
    private OutboxRelay relay;
    private Counter published;

    public OutboxRelayService(Pool pool, OutboxConfig config,
            @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig, MeterRegistry registry) {
        this.pool = pool;
        this.config = config;
        this.kafkaConfig = kafkaConfig;
        this.registry = registry;
    }

    void onStart(@Observes StartupEvent event) {
        producer = new KafkaProducer<>(producerConfig(kafkaConfig));
        relay = new OutboxRelay(pool, producer, config.relay().batchSize(), config.relay().sendTimeout());
        published = registry.counter("reprise.outbox.published");
        Gauge.builder("reprise.outbox.seconds.since.success",
                () -> (System.currentTimeMillis() - lastSuccess.get()) / 1000.0).register(registry);
        paused = !config.relay().enabled();
        running = true;
        thread = new Thread(this::run, "outbox-relay");
        thread.setDaemon(true);
        thread.start();
        LOG.infof("Outbox relay started (%s)", paused ? "paused by configuration" : "publishing");
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(Duration.ofSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** Producer settings the relay relies on: every write on all in-sync replicas, no reordering on retry. */
    public static Map<String, Object> producerConfig(Map<String, Object> kafkaConfig) {
        Map<String, Object> settings = new HashMap<>(kafkaConfig);
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        settings.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        settings.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 2);
        settings.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "outbox-relay");
        settings.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        settings.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return settings;
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
        thread.interrupt(); // wake it from its idle wait
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

    private void run() {
        Duration backoff = config.relay().pollInterval();
        while (running) {
            try {
                int count = publishUnlessPaused();
                if (!paused) {
                    lastSuccess.set(System.currentTimeMillis());
                }
                published.increment(count);
                backoff = config.relay().pollInterval();
                if (count == 0) {
                    sleep(config.relay().pollInterval());
                }
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warnf("Outbox relay failed, events stay in the outbox and are retried in %s: %s", backoff, e.toString());
                sleep(backoff);
                backoff = min(backoff.multipliedBy(2), config.relay().maxBackoff());
            }
        }
    }

    private int publishUnlessPaused() {
        round.lock();
        try {
            return paused ? 0 : relay.publishPending();
        } finally {
            round.unlock();
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            // woken up by resume() or shutdown; the loop re-checks its flags
        }
    }
}
