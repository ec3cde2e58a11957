package dev.reprise.bench;

import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.EventJson;
import dev.reprise.contracts.room.RetentionPolicy;
import dev.reprise.contracts.room.RoomCreated;
import dev.reprise.contracts.room.RoomSettings;
import dev.reprise.stack.LocalStack;
import dev.reprise.stack.StackOptions;
import dev.reprise.stack.runtime.ChildJvm;
import dev.reprise.stack.runtime.ServiceJvm;
import dev.reprise.stack.testing.TestEvents;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The inbox with a simple projection: recording-service (from its production jar) consuming room.created events
 * (find, insert, the processed-event record, one transaction each) as fast as it can. Prints figures.
 *
 * <pre>./reprise bench inbox [--events 20000]</pre>
 */
public final class InboxBenchmark {

    public static void main(String[] args) throws Exception {
        Path repo = Path.of(stringOption(args, "--repo", ".")).toAbsolutePath().normalize();
        int events = OutboxBenchmark.intOption(args, "--events", 20_000);
        System.out.printf("Inbox benchmark on %d cores: %,d room.created events into recording-service's projection%n",
                Runtime.getRuntime().availableProcessors(), events);
        try (LocalStack stack = LocalStack.start(StackOptions.defaults())) {
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            List<String> jvm = new ArrayList<>(List.of(ServiceJvm.DEFAULT_JVM_OPTIONS.split("\\s+")));
            jvm.add("-Dquarkus.log.level=WARN");
            ChildJvm service = ServiceJvm.start(stack, "recording-service", repo.resolve("recording-service"), port, jvm,
                    Files.createTempFile("recording-service-bench", ".log"));
            try (BenchDatabase database = new BenchDatabase(stack.serviceConfig("recording-service"), 2)) {
                awaitReady(port, service);
                long before = database.count("SELECT count(*) FROM room_policy");
                long start = System.nanoTime();
                try (KafkaProducer<String, byte[]> producer = TestEvents.producer(stack.kafkaBootstrapServers())) {
                    for (int i = 0; i < events; i++) {
                        producer.send(record(UUID.randomUUID()));
                    }
                }
                double sent = (System.nanoTime() - start) / 1e9;
                long applied;
                while ((applied = database.count("SELECT count(*) FROM room_policy") - before) < events) {
                    if (!service.isAlive() || System.nanoTime() - start > Duration.ofMinutes(10).toNanos()) {
                        throw new IllegalStateException("only " + applied + " of " + events + " applied:\n"
                                + service.logTail(40));
                    }
                    Thread.sleep(100);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("sent in %.1f s; all %,d applied after %.1f s: %,.0f events/s through the inbox%n",
                        sent, events, seconds, events / seconds);
            } finally {
                service.stop(Duration.ofSeconds(10));
            }
        }
        // Client libraries may leave non-daemon threads behind; the figures are printed, so end here.
        System.exit(0);
    }

    private static ProducerRecord<String, byte[]> record(UUID room) {
        RoomCreated created = new RoomCreated(room, "bench-host", "Bench",
                new RoomSettings(true, false, false, RetentionPolicy.MODERATION_30D), Instant.now());
        return TestEvents.roomRecord(EventCatalog.ROOM_CREATED.type(), UUID.randomUUID().toString(), room,
                EventJson.write(created));
    }

    static void awaitReady(int port, ChildJvm service) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready")).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (!service.isAlive()) {
                throw new IllegalStateException("recording-service exited:\n" + service.logTail(60));
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("recording-service not ready:\n" + service.logTail(60));
    }

    static String stringOption(String[] args, String name, String fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }
}
