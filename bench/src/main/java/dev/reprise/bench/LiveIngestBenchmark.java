package dev.reprise.bench;

import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.room.RetentionPolicy;
import dev.reprise.contracts.room.RoomCreated;
import dev.reprise.contracts.room.RoomEnded;
import dev.reprise.contracts.room.EndReason;
import dev.reprise.contracts.room.RoomSettings;
import dev.reprise.contracts.room.RoomStarted;
import dev.reprise.contracts.room.SpeakerAdded;
import dev.reprise.stack.LocalStack;
import dev.reprise.stack.StackOptions;
import dev.reprise.stack.testing.TestEvents;
import dev.reprise.stack.runtime.ChildJvm;
import dev.reprise.stack.runtime.ServiceJvm;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.MakeBucketArgs;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.mutiny.sqlclient.Tuple;
import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Live tracks one recording-service instance (its production jar) ingests in real time over the WebSocket path, as
 * LiveKit's track egress feeds it: each track a stream of 20-ms frames of 48 kHz s16le (stereo by default), paced
 * by the clock, in rooms of five speakers who take turns (speech from LibriVox, silence between turns, about
 * {@code --talk} of each track voiced). For each load step it prints whether every frame went out on time (a
 * stream that cannot be written at its pace means the service falls behind), the durability lag (the journal
 * flusher's rounds, from the service's own metrics: live audio is on disk at most a flush interval plus a round
 * after it arrived), CPU by process, and how fast the sealed segments reached object storage against the store's
 * own raw PUT rate for objects of that size, measured in the same run. Prints figures, asserts nothing.
 */
public final class LiveIngestBenchmark {

    private static final int RATE = 48_000;
    private static final int FRAME_MILLIS = 20;
    private static final int FRAME_SAMPLES = RATE * FRAME_MILLIS / 1000;
    private static final int SPEAKERS_PER_ROOM = 5;

    public static void main(String[] args) throws Exception {
        Path repo = Path.of(InboxBenchmark.stringOption(args, "--repo", ".")).toAbsolutePath().normalize();
        String steps = InboxBenchmark.stringOption(args, "--tracks", "250,500,750");
        int seconds = OutboxBenchmark.intOption(args, "--seconds", 60);
        int channels = OutboxBenchmark.intOption(args, "--channels", 2);
        double talk = Double.parseDouble(InboxBenchmark.stringOption(args, "--talk", "0.25"));
        String heap = InboxBenchmark.stringOption(args, "--heap", "256m");
        System.out.printf("Live ingest benchmark on %d cores: steps of %s tracks, %d s each, %d channel(s), about"
                + " %.0f %% of each track voiced; recording-service with -Xmx%s%n",
                Runtime.getRuntime().availableProcessors(), steps, seconds, channels, talk * 100, heap);
        short[] speech = RecordingBenchmark.decodeSpeech();
        byte[][] speechFrames = frames(speech, channels);
        byte[] silence = silenceFrame(channels);

        try (LocalStack stack = LocalStack.start(StackOptions.defaults())) {
            rawPutRates(stack);
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            List<String> jvm = RecordingBenchmark.serviceJvm(args, heap);
            jvm.add("-Dquarkus.log.level=WARN");
            // the capacity is what is measured here: no cap on streams (max-streams sheds them in production)
            jvm.add("-Dreprise.recording.ingest.max-streams=100000");
            Path log = Files.createTempFile("recording-service-ingest-bench", ".log");
            ChildJvm service = ServiceJvm.start(stack, "recording-service", repo.resolve("recording-service"), port,
                    jvm, log);
            System.out.println("service log: " + log);
            Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
            try (BenchDatabase database = new BenchDatabase(stack.serviceConfig("recording-service"), 2);
                    KafkaProducer<String, byte[]> producer = TestEvents.producer(stack.kafkaBootstrapServers())) {
                InboxBenchmark.awaitReady(port, service);
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
                        .setMaxConnections(100_000).setMaxFrameSize(1 << 20));
                for (String step : steps.split(",")) {
                    int tracks = Integer.parseInt(step.strip());
                    try {
                        runStep(tracks, seconds, talk, speechFrames, silence, channels, stack, service, database,
                                producer, http, client, vertx, port);
                    } catch (java.util.concurrent.TimeoutException behind) {
                        System.out.printf("%n%d live tracks: the streams could not be sent within the step (the"
                                + " service stopped reading them); service log:%n%s%n", tracks, service.logTail(20));
                        break;
                    }
                    if (!service.isAlive()) {
                        System.out.println("service exited:\n" + service.logTail(40));
                        break;
                    }
                }
                System.out.printf("service peak RSS (VmHWM) %s with -Xmx%s%n", RecordingBenchmark.vmHwm(service.pid()),
                        heap);
            } finally {
                service.stop(Duration.ofSeconds(10));
                try {
                    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                } catch (Exception notClosed) {
                    System.out.println("load generator not closed within 10 s: " + notClosed);
                }
            }
        }
        System.exit(0);
    }

    /** One stream: its frames are due every 20 ms from its start; voiced or not by its speaker's turns. */
    private static final class Stream {
        final boolean[] voiced;
        final int speechOffset;
        WebSocket socket;
        long sent;
        long late;
        volatile boolean closed;

        Stream(boolean[] voiced, int speechOffset) {
            this.voiced = voiced;
            this.speechOffset = speechOffset;
        }
    }

    private static void runStep(int tracks, int seconds, double talk, byte[][] speechFrames, byte[] silence,
            int channels, LocalStack stack, ChildJvm service, BenchDatabase database,
            KafkaProducer<String, byte[]> producer, HttpClient http, WebSocketClient client, Vertx vertx, int port)
            throws Exception {
        int rooms = (tracks + SPEAKERS_PER_ROOM - 1) / SPEAKERS_PER_ROOM;
        int warmup = 10;
        int frames = (warmup + seconds) * 1000 / FRAME_MILLIS;
        Random random = new Random(tracks);
        List<UUID> roomIds = new ArrayList<>();
        List<String> hosts = new ArrayList<>();
        List<Stream> streams = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        Instant startedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        RoomSettings settings = new RoomSettings(true, false, true, RetentionPolicy.SAVED);
        for (int r = 0; r < rooms; r++) {
            UUID roomId = UUID.randomUUID();
            String host = "bench-host-" + r;
            roomIds.add(roomId);
            hosts.add(host);
            RecordingBenchmark.send(producer, EventCatalog.ROOM_CREATED, roomId, new RoomCreated(roomId, host,
                    "Ingest bench", settings, startedAt));
            RecordingBenchmark.send(producer, EventCatalog.ROOM_STARTED, roomId, new RoomStarted(roomId, host,
                    settings, startedAt));
            for (int s = 0; s < SPEAKERS_PER_ROOM; s++) {
                RecordingBenchmark.send(producer, EventCatalog.SPEAKER_ADDED, roomId, new SpeakerAdded(roomId,
                        RecordingBenchmark.speaker(s), true, startedAt));
            }
        }
        for (int r = 0; r < rooms; r++) {
            RecordingBenchmark.awaitCount(database, service, "SELECT count(*) FROM speaker_consent WHERE room_id = $1",
                    roomIds.get(r), SPEAKERS_PER_ROOM + 1);
            String hostToken = stack.mintToken(hosts.get(r), Set.of("user"));
            boolean[][] turns = turns(frames, talk, random);
            for (int s = 0; s < SPEAKERS_PER_ROOM && streams.size() < tracks; s++) {
                paths.add(RecordingBenchmark.ingestTokenField(http, "http://127.0.0.1:" + port, hostToken,
                        roomIds.get(r), RecordingBenchmark.speaker(s), "websocketPath"));
                streams.add(new Stream(turns[s], random.nextInt(speechFrames.length)));
            }
        }
        // Connect every stream, fifty at a time, as a media server's egress workers would start them.
        for (int i = 0; i < streams.size(); i += 50) {
            List<CompletableFuture<WebSocket>> opening = new ArrayList<>();
            for (int j = i; j < Math.min(streams.size(), i + 50); j++) {
                Stream stream = streams.get(j);
                CompletableFuture<WebSocket> opened = new CompletableFuture<>();
                client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(paths.get(j))
                        .addHeader("Content-Type", "audio/x-raw")).onComplete(result -> {
                            if (result.succeeded()) {
                                result.result().closeHandler(ignored -> stream.closed = true);
                                opened.complete(result.result());
                            } else {
                                opened.completeExceptionally(result.cause());
                            }
                        });
                opening.add(opened);
            }
            for (int j = 0; j < opening.size(); j++) {
                streams.get(i + j).socket = opening.get(j).get(30, TimeUnit.SECONDS);
            }
        }

        // Pace: every 20 ms each stream's due frames go out, unless its socket cannot take them (the service is
        // behind); such a frame is late, sent as soon as the socket drains.
        long start = System.nanoTime();
        AtomicLong measureFrom = new AtomicLong();
        ProcessCpu[] cpuAt = new ProcessCpu[2];
        ProcessCpu.Self[] serviceAt = new ProcessCpu.Self[2];
        CompletableFuture<Void> done = new CompletableFuture<>();
        long[] lateBefore = new long[1];
        vertx.setPeriodic(FRAME_MILLIS, timer -> {
            long due = Math.min(frames, (System.nanoTime() - start) / (FRAME_MILLIS * 1_000_000L) + 1);
            for (Stream stream : streams) {
                if (stream.closed) {
                    continue;
                }
                while (stream.sent < due) {
                    if (stream.socket.writeQueueFull()) {
                        stream.late += due - stream.sent;
                        break;
                    }
                    int frame = (int) stream.sent;
                    stream.socket.writeBinaryMessage(Buffer.buffer(stream.voiced[frame]
                            ? speechFrames[(stream.speechOffset + frame) % speechFrames.length] : silence));
                    stream.sent++;
                }
            }
            if (due >= warmup * 1000L / FRAME_MILLIS && measureFrom.get() == 0) {
                measureFrom.set(System.nanoTime());
                cpuAt[0] = ProcessCpu.sample(service.pid());
                serviceAt[0] = ProcessCpu.Self.of(service.pid());
                lateBefore[0] = streams.stream().mapToLong(s -> s.late).sum();
            }
            if (due >= frames && streams.stream().allMatch(s -> s.sent >= frames || s.closed)) {
                cpuAt[1] = ProcessCpu.sample(service.pid());
                serviceAt[1] = ProcessCpu.Self.of(service.pid());
                vertx.cancelTimer(timer);
                done.complete(null);
            }
        });
        Map<String, Double> flushBefore = null;
        while (measureFrom.get() == 0 && !done.isDone()) {
            Thread.sleep(20); // the pacer marks the end of the warm-up
        }
        flushBefore = flushMetrics(http, port);
        done.get(seconds + 120L, TimeUnit.SECONDS);
        double measured = (System.nanoTime() - measureFrom.get()) / 1e9;
        Map<String, Double> flushAfter = flushMetrics(http, port);
        long late = streams.stream().mapToLong(s -> s.late).sum() - lateBefore[0];
        long closed = streams.stream().filter(s -> s.closed).count();
        long sent = streams.stream().mapToLong(s -> s.sent).sum();
        long voicedFrames = streams.stream().mapToLong(s -> {
            long v = 0;
            for (boolean frame : s.voiced) {
                v += frame ? 1 : 0;
            }
            return v;
        }).sum();

        // End: the streams close as the egress does, the rooms end; then sealing catches up.
        for (Stream stream : streams) {
            if (!stream.closed) {
                stream.socket.close((short) 1000, "end of stream");
            }
        }
        Instant endedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        for (int r = 0; r < rooms; r++) {
            RecordingBenchmark.send(producer, EventCatalog.ROOM_ENDED, roomIds.get(r), new RoomEnded(roomIds.get(r),
                    hosts.get(r), EndReason.HOST_ENDED, RetentionPolicy.SAVED, startedAt, endedAt));
        }
        long sealStart = System.nanoTime();
        long pending;
        while ((pending = database.count("SELECT count(*) FROM pending_journal")) > 0
                && System.nanoTime() - sealStart < Duration.ofSeconds(180).toNanos()) {
            Thread.sleep(200);
        }
        double sealSeconds = (System.nanoTime() - sealStart) / 1e9;
        var segments = database.pool.preparedQuery("""
                SELECT count(*), COALESCE(sum(s.object_bytes), 0), COALESCE(sum(s.voiced_samples), 0)
                  FROM track_segment s JOIN track t ON t.id = s.track_id
                  JOIN recording r ON r.id = t.recording_id WHERE r.room_id = ANY($1)""")
                .execute(Tuple.of(roomIds.toArray(new UUID[0]))).await().indefinitely().iterator().next();

        System.out.printf("%n%d live tracks (%d rooms), %.1f s measured after %d s of warm-up:%n", tracks, rooms,
                measured, warmup);
        System.out.printf("  frames sent %d (%.0f/s, %.1f MB/s), voiced %.0f %%; late (socket full) %d = %.3f %% of"
                + " frames; streams closed by the service %d%n", sent, sent / (measured + warmup),
                sent * (double) silence.length / (measured + warmup) / 1e6, 100.0 * voicedFrames
                        / Math.max(1, (long) streams.size() * frames), late, 100.0 * late / Math.max(1, sent), closed);
        double rounds = flushAfter.get("count") - flushBefore.get("count");
        System.out.printf("  journal flush rounds: %.0f, mean %.1f ms, max %.1f ms (durability lag <= 200 ms + a"
                + " round)%n", rounds, rounds == 0 ? 0 : (flushAfter.get("sum") - flushBefore.get("sum")) / rounds
                        * 1000, flushAfter.get("max") * 1000);
        System.out.printf("  CPU, cores busy while measured: service %.2f (its own %.2f); by process: %s%n",
                serviceAt[1].secondsSince(serviceAt[0]) / measured, serviceAt[1].selfSecondsSince(serviceAt[0])
                        / measured, coresByRole(cpuAt[1].millisPerOperationSince(cpuAt[0], 1), measured));
        System.out.printf("  after the end: journals sealed in %.1f s (%d still pending); %d segments in object"
                + " storage, %.1f MB, %.0f KB each on average%n", sealSeconds, pending, segments.getLong(0),
                segments.getLong(1) / 1e6, segments.getLong(0) == 0 ? 0 : segments.getLong(1) / 1e3
                        / segments.getLong(0));
        System.out.printf("  segments per second of the step, against the store's raw PUT rate above: %.1f/s;"
                + " voiced audio kept %.0f s of %.0f s sent voiced (the gate keeps up to 200 ms around speech)%n",
                segments.getLong(0) / (measured + warmup), segments.getLong(2) / (double) RATE,
                voicedFrames * FRAME_MILLIS / 1000.0);
    }

    private static String coresByRole(Map<String, Double> millis, double seconds) {
        StringBuilder out = new StringBuilder();
        millis.forEach((role, used) -> out.append(out.length() == 0 ? "" : ", ")
                .append(String.format("%s %.2f", role, used / 1000 / seconds)));
        return out.toString();
    }

    /**
     * Who talks when in a room of five: turns of 2 to 8 s, one speaker at a time, with each speaker voiced for
     * about {@code talk} of the time (the rest of the room's time nobody talks); a 5 % chance of a second voice.
     */
    private static boolean[][] turns(int frames, double talk, Random random) {
        boolean[][] voiced = new boolean[SPEAKERS_PER_ROOM][frames];
        double busy = Math.min(1.0, talk * SPEAKERS_PER_ROOM);
        int at = 0;
        while (at < frames) {
            int length = (2_000 + random.nextInt(6_000)) / FRAME_MILLIS;
            if (random.nextDouble() < busy) {
                int speaker = random.nextInt(SPEAKERS_PER_ROOM);
                for (int f = at; f < Math.min(frames, at + length); f++) {
                    voiced[speaker][f] = true;
                }
                if (random.nextDouble() < 0.05) {
                    int second = (speaker + 1 + random.nextInt(SPEAKERS_PER_ROOM - 1)) % SPEAKERS_PER_ROOM;
                    for (int f = at; f < Math.min(frames, at + length / 2); f++) {
                        voiced[second][f] = true;
                    }
                }
            }
            at += length;
        }
        return voiced;
    }

    /** The speech, cut in 20-ms frames of interleaved s16le with {@code channels} channels. */
    private static byte[][] frames(short[] speech, int channels) {
        int count = speech.length / FRAME_SAMPLES;
        byte[][] frames = new byte[count][];
        for (int f = 0; f < count; f++) {
            byte[] frame = new byte[FRAME_SAMPLES * channels * 2];
            for (int i = 0; i < FRAME_SAMPLES; i++) {
                short sample = speech[f * FRAME_SAMPLES + i];
                for (int c = 0; c < channels; c++) {
                    frame[(i * channels + c) * 2] = (byte) sample;
                    frame[(i * channels + c) * 2 + 1] = (byte) (sample >> 8);
                }
            }
            frames[f] = frame;
        }
        return frames;
    }

    /** A frame of a quiet room: dither of a few units, as a real microphone's silence. */
    private static byte[] silenceFrame(int channels) {
        Random random = new Random(7);
        byte[] frame = new byte[FRAME_SAMPLES * channels * 2];
        for (int i = 0; i < frame.length; i += 2) {
            short sample = (short) (random.nextInt(7) - 3);
            frame[i] = (byte) sample;
            frame[i + 1] = (byte) (sample >> 8);
        }
        return frame;
    }

    /** The journal flusher's timer from the service's Prometheus metrics: count, sum and max, in seconds. */
    private static Map<String, Double> flushMetrics(HttpClient http, int port) throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Double> values = new java.util.HashMap<>(Map.of("count", 0.0, "sum", 0.0, "max", 0.0));
        Matcher line = Pattern.compile("(?m)^reprise_recording_journal_flush_seconds_(count|sum|max)(?:\\{[^}]*\\})?"
                + " ([0-9.eE+-]+)$").matcher(metrics);
        while (line.find()) {
            values.put(line.group(1), Double.parseDouble(line.group(2)));
        }
        return values;
    }

    /**
     * The store's own PUT rate, one writer, for the sizes recording-service writes: a second of speech (96 KB), a
     * live segment of a talking speaker (about 1 MB) and a mixed window's piece (about 400 KB).
     */
    private static void rawPutRates(LocalStack stack) throws Exception {
        MinioClient s3 = MinioClient.builder().endpoint(stack.s3Endpoint()).credentials(stack.info().s3AccessKey(),
                stack.info().s3SecretKey()).region("us-east-1").build();
        String bucket = "bench-raw-put";
        s3.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
        byte[] data = new byte[1 << 20];
        new Random(1).nextBytes(data);
        for (int i = 0; i < 300; i++) { // warm-up: s3proxy is a JVM too
            s3.putObject(PutObjectArgs.builder().bucket(bucket).object("warm-up/" + i)
                    .stream(new ByteArrayInputStream(data, 0, 96 * 1024), 96 * 1024, -1).build());
        }
        StringBuilder out = new StringBuilder("object store raw PUT rate (s3proxy, filesystem, one writer):");
        for (int size : new int[] { 4 * 1024, 96 * 1024, 400 * 1024, 1024 * 1024 }) {
            int count = size > 500_000 ? 100 : 300;
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                s3.putObject(PutObjectArgs.builder().bucket(bucket).object("raw/" + size + "/" + i)
                        .stream(new ByteArrayInputStream(data, 0, size), size, -1).build());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            out.append(String.format(" %d KB %.0f/s (%.1f MB/s);", size / 1024, count / seconds,
                    count * (double) size / seconds / 1e6));
        }
        System.out.println(out);
    }
}
