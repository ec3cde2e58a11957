package dev.reprise.bench;

import dev.reprise.platform.outbox.Outbox;
import dev.reprise.platform.outbox.OutboxConfig;
import dev.reprise.platform.outbox.OutboxRelay;
import dev.reprise.room.messaging.RoomEvents;
import dev.reprise.room.repository.PresenceRepository;
import dev.reprise.room.service.RoomService;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The join+leave transaction of room-service run straight against its PostgreSQL, without HTTP, JWT or Quarkus:
 * room-service's own RoomService, PresenceRepository and Outbox on a plain Vert.x pool, with a relay publishing
 * to Kafka as the service's does. The service's joins/s over this run's is a ratio that reads the same on any
 * machine, since both share the same database on the same cores.
 */
final class StraightJoins {

    private StraightJoins() {
    }

    /** Cycles done in {@code seconds} by {@code threads} client threads, each with its own users. */
    static long run(Map<String, String> serviceConfig, String kafkaBootstrap, List<String> rooms, int threads,
            int warmupSeconds, int seconds) throws Exception {
        try (BenchDatabase database = new BenchDatabase(serviceConfig, 16);
                OutboxRelay relay = OutboxRelay.create(database.pool, Map.of("bootstrap.servers", kafkaBootstrap),
                        "bench-straight-relay", new OutboxRelay.Settings(500, 8, Duration.ofSeconds(30),
                                Duration.ofSeconds(30)))) {
            RoomService service = new RoomService(null, null, null, new PresenceRepository(database.pool),
                    new RoomEvents(new Outbox(outboxConfig())), null);
            // Once on this thread first: Mutiny's context propagation must not be initialised by two threads at once.
            service.join(UUID.fromString(rooms.get(0)), "straight-warm-up").await().atMost(Duration.ofSeconds(10));
            service.leave(UUID.fromString(rooms.get(0)), "straight-warm-up").await().atMost(Duration.ofSeconds(10));
            relay.publishPending();
            AtomicBoolean relaying = new AtomicBoolean(true);
            Thread relayThread = new Thread(() -> {
                while (relaying.get()) {
                    try {
                        if (relay.publishPending().published() == 0) {
                            sleep(50);
                        }
                    } catch (RuntimeException e) {
                        System.err.println("straight run's relay: " + e);
                        sleep(200);
                    }
                }
            }, "bench-straight-relay");
            relayThread.start();
            try {
                cycles(service, rooms, threads, warmupSeconds);
                return cycles(service, rooms, threads, seconds);
            } finally {
                relaying.set(false);
                relayThread.join();
            }
        }
    }

    private static long cycles(RoomService service, List<String> rooms, int threads, int seconds)
            throws InterruptedException {
        AtomicLong cycles = new AtomicLong();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService clients = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            int thread = t;
            clients.submit(() -> {
                for (long i = 0; System.nanoTime() < deadline; i++) {
                    String user = "straight-" + thread + "-" + (i % 4);
                    UUID room = UUID.fromString(rooms.get((int) ((thread * 7919L + i) % rooms.size())));
                    try {
                        service.join(room, user).await().atMost(Duration.ofSeconds(10));
                        service.leave(room, user).await().atMost(Duration.ofSeconds(10));
                        cycles.incrementAndGet();
                    } catch (RuntimeException e) {
                        sleep(100);
                    }
                }
            });
        }
        clients.shutdown();
        clients.awaitTermination(seconds + 60L, TimeUnit.SECONDS);
        return cycles.get();
    }

    private static OutboxConfig outboxConfig() {
        return new OutboxConfig() {
            @Override
            public String source() {
                return "/reprise/room-service";
            }

            @Override
            public int maxEventBytes() {
                return 1_000_000;
            }

            @Override
            public Relay relay() {
                throw new UnsupportedOperationException("the benchmark runs its own relay");
            }
        };
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
