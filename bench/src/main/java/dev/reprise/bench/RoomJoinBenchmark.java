package dev.reprise.bench;

import dev.reprise.contracts.Topic;
import dev.reprise.stack.LocalStack;
import dev.reprise.stack.StackOptions;
import dev.reprise.stack.runtime.ChildJvm;
import dev.reprise.stack.runtime.ServiceJvm;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Join+leave through room-service's full path (REST, row lock, state, timeline, outbox row in one
 * transaction; relay to Kafka), on the real local stack. Prints figures; asserts nothing.
 *
 * <pre>./reprise bench [--duration 30] [--warmup 10] [--concurrency 32] [--rooms 50] [--idle 20]</pre>
 */
public final class RoomJoinBenchmark {

    private static final Pattern VM_RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        Path repo = Path.of(options.repo).toAbsolutePath().normalize();
        Path jar = ServiceJvm.quarkusRunJar(repo.resolve("room-service"));
        if (!Files.exists(jar)) {
            throw new IllegalStateException("Build first: " + jar + " is missing (mvn install -DskipTests)");
        }
        System.out.printf("Reprise room-service benchmark on %d cores: %d s warm-up, %d s measured, %d client threads, %d rooms%n",
                Runtime.getRuntime().availableProcessors(), options.warmupSeconds, options.durationSeconds,
                options.concurrency, options.rooms);

        long stackStart = System.nanoTime();
        try (LocalStack stack = LocalStack.start(StackOptions.defaults())) {
            Duration stackStartup = Duration.ofNanos(System.nanoTime() - stackStart);
            int port = freePort();
            List<String> jvm = new ArrayList<>(List.of(options.serviceJvmOptions.split("\\s+")));
            jvm.add("-Dquarkus.log.level=WARN");
            Path log = Files.createTempFile("room-service-bench", ".log");
            long serviceStart = System.nanoTime();
            ChildJvm service = ServiceJvm.start(stack, "room-service", repo.resolve("room-service"), port, jvm, log);
            try {
                ExecutorService httpThreads = Executors.newFixedThreadPool(4);
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .executor(httpThreads).build();
                String base = "http://127.0.0.1:" + port;
                awaitReady(http, base, service);
                Duration serviceStartup = Duration.ofNanos(System.nanoTime() - serviceStart);
                Thread.sleep(options.idleSeconds * 1000L);
                long idleRss = rssKiB(service.pid());

                Offsets before = Offsets.end(stack.kafkaBootstrapServers());
                String host = "bench-host";
                String hostToken = stack.mintToken(host, Set.of("user"));
                List<String> rooms = new ArrayList<>();
                for (int i = 0; i < options.rooms; i++) {
                    String id = post(http, base + "/rooms", hostToken, "{\"title\":\"Bench " + i + "\"}", 201)
                            .replaceAll(".*\"id\":\"([0-9a-f-]{36})\".*", "$1");
                    post(http, base + "/rooms/" + id + "/start", hostToken, "", 200);
                    rooms.add(id);
                }
                // Each client thread owns its users, so every join and leave is a real change with an event.
                int usersPerThread = 4;
                String[][] tokens = new String[options.concurrency][usersPerThread];
                for (int t = 0; t < options.concurrency; t++) {
                    for (int u = 0; u < usersPerThread; u++) {
                        tokens[t][u] = stack.mintToken("bench-" + t + "-" + u, Set.of("user"));
                    }
                }

                run(port, rooms, tokens, options.warmupSeconds, new LatencyRecorder(), new LatencyRecorder());
                LatencyRecorder joins = new LatencyRecorder();
                LatencyRecorder leaves = new LatencyRecorder();
                ProcessCpu cpuBefore = ProcessCpu.sample(service.pid());
                long cycles = run(port, rooms, tokens, options.durationSeconds, joins, leaves);
                ProcessCpu cpuAfter = ProcessCpu.sample(service.pid());
                long loadedRss = rssKiB(service.pid());

                long expectedEvents = 2L * options.rooms + CHANGES.get(); // created + started per room
                long drainStart = System.nanoTime();
                long published = before.awaitGrowth(stack.kafkaBootstrapServers(), expectedEvents, Duration.ofMinutes(2));
                Duration drain = Duration.ofNanos(System.nanoTime() - drainStart);

                System.out.println();
                System.out.printf("local stack start-up (Kafka, PostgreSQL, S3 in parallel): %.1f s  %s%n",
                        stackStartup.toMillis() / 1000.0, stack.startupTimings());
                System.out.printf("room-service start-up to ready:                          %.1f s%n",
                        serviceStartup.toMillis() / 1000.0);
                System.out.printf("room-service RSS: idle %d MiB (after %d s idle), after load %d MiB  [JVM options: %s]%n",
                        idleRss / 1024, options.idleSeconds, loadedRss / 1024, options.serviceJvmOptions);
                System.out.printf("join+leave cycles: %d in %d s = %.0f joins/s (%.0f requests/s)%n", cycles,
                        options.durationSeconds, cycles / (double) options.durationSeconds,
                        2 * cycles / (double) options.durationSeconds);
                System.out.printf("join  latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms, failures %d%n",
                        joins.percentileMillis(0.50), joins.percentileMillis(0.99), joins.percentileMillis(1.0),
                        joins.failures());
                System.out.printf("leave latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms, failures %d%n",
                        leaves.percentileMillis(0.50), leaves.percentileMillis(0.99), leaves.percentileMillis(1.0),
                        leaves.failures());
                System.out.printf("CPU ms per join+leave cycle, by process: %s%n",
                        formatMillis(cpuAfter.millisPerOperationSince(cpuBefore, cycles)));
                System.out.printf("events on %s: %d of %d expected; outbox drained %.1f s after the load stopped%n",
                        Topic.ROOM.topicName(), published, expectedEvents, drain.toMillis() / 1000.0);
                httpThreads.shutdownNow();
                service.stop(Duration.ofSeconds(10));

                // The same transaction straight against the same PostgreSQL, for a figure that reads the same anywhere.
                long straight = options.straight ? StraightJoins.run(stack.serviceConfig("room-service"), stack.kafkaBootstrapServers(),
                        rooms, options.concurrency, options.warmupSeconds, options.durationSeconds) : 0;
                System.out.printf("the same join+leave straight on the database (no HTTP, JWT, Quarkus): %.0f joins/s;"
                        + " service / straight = %.2f%n", straight / (double) options.durationSeconds,
                        cycles / (double) straight);
            } finally {
                service.stop(Duration.ofSeconds(10));
            }
        }
        // Client libraries may leave non-daemon threads behind; the figures are printed, so end here.
        System.exit(0);
    }

    private static String formatMillis(Map<String, Double> millisByRole) {
        StringBuilder text = new StringBuilder();
        millisByRole.forEach((role, millis) -> text.append(text.isEmpty() ? "" : ", ")
                .append(role).append(' ').append(String.format("%.3f", millis)));
        return text.toString();
    }

    /** Successful joins and leaves, warm-up included: each one committed exactly one event. */
    private static final AtomicLong CHANGES = new AtomicLong();

    private static long run(int port, List<String> rooms, String[][] tokens, int seconds,
            LatencyRecorder joins, LatencyRecorder leaves) throws InterruptedException {
        AtomicLong cycles = new AtomicLong();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService clients = Executors.newFixedThreadPool(tokens.length);
        for (int t = 0; t < tokens.length; t++) {
            int thread = t;
            clients.submit(() -> {
                KeepAliveConnection connection = null;
                for (long i = 0; System.nanoTime() < deadline; i++) {
                    String token = tokens[thread][(int) (i % tokens[thread].length)];
                    String room = rooms.get((int) ((thread * 7919L + i) % rooms.size()));
                    if (connection == null) {
                        connection = connect(port, joins);
                        if (connection == null) {
                            pause(); // the service is not answering: do not spin on it
                            continue;
                        }
                    }
                    boolean joined = timed(connection, "/rooms/" + room + "/join", token, 200, joins);
                    boolean left = joined && timed(connection, "/rooms/" + room + "/leave", token, 204, leaves);
                    if (joined && left) {
                        cycles.incrementAndGet();
                        CHANGES.addAndGet(2);
                    }
                    if (!joined || !left || connection.closedByServer()) {
                        close(connection); // start the next cycle on a fresh connection
                        connection = null;
                    }
                }
                close(connection);
            });
        }
        clients.shutdown();
        clients.awaitTermination(seconds + 60L, TimeUnit.SECONDS);
        return cycles.get();
    }

    private static KeepAliveConnection connect(int port, LatencyRecorder failures) {
        try {
            return new KeepAliveConnection("127.0.0.1", port);
        } catch (IOException e) {
            failures.failure();
            return null;
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void close(KeepAliveConnection connection) {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (IOException ignored) {
            // nothing left to do with it
        }
    }

    private static boolean timed(KeepAliveConnection connection, String path, String token, int expected,
            LatencyRecorder recorder) {
        long start = System.nanoTime();
        try {
            if (connection.post(path, token) == expected) {
                recorder.record(System.nanoTime() - start);
                return true;
            }
        } catch (IOException | RuntimeException e) {
            // counted below
        }
        recorder.failure();
        return false;
    }

    private static HttpRequest request(String url, String token, String body) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static String post(HttpClient http, String url, String token, String body, int expected)
            throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request(url, token, body), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IllegalStateException(url + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    private static void awaitReady(HttpClient http, String base, ChildJvm service) throws InterruptedException {
        HttpRequest ready = HttpRequest.newBuilder(URI.create(base + "/q/health/ready")).GET().build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!service.isAlive()) {
                throw new IllegalStateException("room-service exited:\n" + service.logTail(60));
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("room-service not ready:\n" + service.logTail(60));
    }

    private static long rssKiB(long pid) throws IOException {
        Matcher matcher = VM_RSS.matcher(Files.readString(Path.of("/proc/" + pid + "/status")));
        return matcher.find() ? Long.parseLong(matcher.group(1)) : -1;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** End offsets of the room topic, to count what the relay published since. */
    private record Offsets(Map<TopicPartition, Long> ends) {
        static Offsets end(String bootstrap) {
            try (KafkaConsumer<String, byte[]> consumer = consumer(bootstrap)) {
                return new Offsets(consumer.endOffsets(partitions(consumer)));
            }
        }

        /**
         * Events a read-committed consumer finds after the recorded offsets, read until {@code expected} have come
         * or the timeout (offsets alone would count the transactions' commit markers too).
         */
        long awaitGrowth(String bootstrap, long expected, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            long records = 0;
            try (KafkaConsumer<String, byte[]> consumer = consumer(bootstrap)) {
                List<TopicPartition> partitions = partitions(consumer);
                consumer.assign(partitions);
                partitions.forEach(p -> consumer.seek(p, ends.getOrDefault(p, 0L)));
                while (records < expected && System.nanoTime() < deadline) {
                    records += consumer.poll(Duration.ofMillis(200)).count();
                }
                // anything beyond the expected count (a duplicate) arrives within a moment
                records += consumer.poll(Duration.ofMillis(500)).count();
            }
            return records;
        }

        private static List<TopicPartition> partitions(KafkaConsumer<String, byte[]> consumer) {
            return consumer.partitionsFor(Topic.ROOM.topicName()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        }

        private static KafkaConsumer<String, byte[]> consumer(String bootstrap) {
            return new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "group.id", "bench-" + UUID.randomUUID(),
                    "isolation.level", "read_committed", "max.poll.records", 5000),
                    new StringDeserializer(), new ByteArrayDeserializer());
        }
    }

    private static final class Options {
        String repo = ".";
        int durationSeconds = 30;
        int warmupSeconds = 10;
        int concurrency = 16;
        int rooms = 50;
        int idleSeconds = 20;
        String serviceJvmOptions = ServiceJvm.DEFAULT_JVM_OPTIONS;
        /** Off to measure a build whose database schema predates the straight run's code. */
        boolean straight = true;

        static Options parse(String[] args) {
            Options options = new Options();
            for (int i = 0; i < args.length; i += 2) {
                String value = i + 1 < args.length ? args[i + 1] : "";
                switch (args[i]) {
                    case "--repo" -> options.repo = value;
                    case "--duration" -> options.durationSeconds = Integer.parseInt(value);
                    case "--warmup" -> options.warmupSeconds = Integer.parseInt(value);
                    case "--concurrency" -> options.concurrency = Integer.parseInt(value);
                    case "--rooms" -> options.rooms = Integer.parseInt(value);
                    case "--idle" -> options.idleSeconds = Integer.parseInt(value);
                    case "--service-jvm-opts" -> options.serviceJvmOptions = value;
                    case "--straight" -> options.straight = Boolean.parseBoolean(value);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            return options;
        }
    }
}
