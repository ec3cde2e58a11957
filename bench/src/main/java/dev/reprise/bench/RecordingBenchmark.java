package dev.reprise.bench;

import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.EventJson;
import dev.reprise.contracts.EventType;
import dev.reprise.contracts.room.EndReason;
import dev.reprise.contracts.room.RetentionPolicy;
import dev.reprise.contracts.room.RoomCreated;
import dev.reprise.contracts.room.RoomEnded;
import dev.reprise.contracts.room.RoomSettings;
import dev.reprise.contracts.room.RoomStarted;
import dev.reprise.contracts.room.SpeakerAdded;
import dev.reprise.stack.LocalStack;
import dev.reprise.stack.StackOptions;
import dev.reprise.stack.runtime.ChildJvm;
import dev.reprise.stack.runtime.ServiceJvm;
import dev.reprise.stack.testing.TestEvents;
import io.vertx.mutiny.sqlclient.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * recording-service (production jar) building one room's recording from chunk uploads: a room of {@code --minutes}
 * with {@code --speakers} taking turns (speech from the pocketsphinx test recordings, silence as low noise), every
 * track uploaded as 1-s chunks by {@code --threads} clients, the live mixing caught up, then the room ended and the
 * time until the recording is READY. Beside it, ffmpeg doing the same mix, loudness normalization and both
 * encodings in one run, for a CPU ratio. Prints figures, asserts nothing.
 *
 * <pre>./reprise bench recording [--minutes 10] [--speakers 4] [--threads 8] [--heap 256m]</pre>
 */
public final class RecordingBenchmark {

    private static final int RATE = 48_000;
    private static final int CHUNK_BYTES = RATE * 2;
    private static final String RAW = "audio/x-raw;rate=48000;channels=1";
    private static final Path SPEECH = Path.of("/usr/share/pocketsphinx/test/data/librivox");
    private static final int WINDOW_SECONDS = 30;

    public static void main(String[] args) throws Exception {
        Path repo = Path.of(InboxBenchmark.stringOption(args, "--repo", ".")).toAbsolutePath().normalize();
        int minutes = OutboxBenchmark.intOption(args, "--minutes", 10);
        int speakers = OutboxBenchmark.intOption(args, "--speakers", 4);
        int threads = OutboxBenchmark.intOption(args, "--threads", 8);
        String heap = InboxBenchmark.stringOption(args, "--heap", "256m");
        int seconds = minutes * 60;
        System.out.printf("Recording benchmark on %d cores: a %d-min room, %d speakers, 1-s chunks by %d threads,"
                + " recording-service with -Xmx%s%n", Runtime.getRuntime().availableProcessors(), minutes, speakers,
                threads, heap);
        Tracks tracks = new Tracks(decodeSpeech(), speakers, seconds, 42);
        System.out.printf("talk mix: %.0f %% of speaker-seconds voiced, %.0f %% of seconds with two voices%n",
                100.0 * tracks.voicedSeconds() / ((long) seconds * speakers), 100.0 * tracks.overlapSeconds() / seconds);

        double serviceCpuPerHour = Double.NaN;
        double serviceTotalPerHour = Double.NaN;
        try (LocalStack stack = LocalStack.start(StackOptions.defaults())) {
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            List<String> jvm = serviceJvm(args, heap);
            jvm.add("-Dquarkus.log.level=WARN");
            Path log = Files.createTempFile("recording-service-bench", ".log");
            ChildJvm service = ServiceJvm.start(stack, "recording-service", repo.resolve("recording-service"), port,
                    jvm, log);
            System.out.println("service log: " + log);
            String base = "http://127.0.0.1:" + port;
            boolean ready = false;
            try (BenchDatabase database = new BenchDatabase(stack.serviceConfig("recording-service"), 2);
                    KafkaProducer<String, byte[]> producer = TestEvents.producer(stack.kafkaBootstrapServers())) {
                InboxBenchmark.awaitReady(port, service);
                // 1. The room as room-service announces it, started M + 1 minutes ago.
                UUID roomId = UUID.randomUUID();
                String host = "bench-host";
                Instant startedAt = Instant.now().minus(Duration.ofMinutes(minutes + 1L)).truncatedTo(ChronoUnit.MILLIS);
                RoomSettings settings = new RoomSettings(true, false, true, RetentionPolicy.SAVED);
                send(producer, EventCatalog.ROOM_CREATED, roomId, new RoomCreated(roomId, host, "Bench", settings,
                        startedAt));
                send(producer, EventCatalog.ROOM_STARTED, roomId, new RoomStarted(roomId, host, settings, startedAt));
                for (int s = 0; s < speakers; s++) {
                    send(producer, EventCatalog.SPEAKER_ADDED, roomId, new SpeakerAdded(roomId, speaker(s), true,
                            startedAt));
                }
                awaitCount(database, service, "SELECT count(*) FROM speaker_consent WHERE room_id = $1", roomId,
                        speakers);
                UUID recordingId = awaitRecording(database, service, roomId);
                System.out.println("room " + roomId + ", recording " + recordingId);

                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                String hostToken = stack.mintToken(host, Set.of("user"));
                String[] ingestTokens = new String[speakers];
                for (int s = 0; s < speakers; s++) {
                    ingestTokens[s] = ingestToken(http, base, hostToken, roomId, speaker(s));
                }

                // 2. Every track as 1-s chunks, second by second across the speakers, by several threads.
                ProcessCpu.Self cpuStart = ProcessCpu.Self.of(service.pid());
                int chunks = seconds * speakers;
                long[] latencies = new long[chunks];
                AtomicInteger next = new AtomicInteger();
                ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                long uploadStart = System.nanoTime();
                List<Future<?>> clients = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    clients.add(pool.submit(() -> {
                        byte[] body = new byte[CHUNK_BYTES];
                        int i;
                        while ((i = next.getAndIncrement()) < chunks && failures.size() < 20) {
                            int second = i / speakers;
                            int s = i % speakers;
                            tracks.chunk(s, second, body);
                            HttpRequest put = HttpRequest.newBuilder(URI.create(base + "/recordings/ingest/rooms/"
                                    + roomId + "/speakers/" + speaker(s) + "/chunks/" + second + "?offsetMs="
                                    + second * 1000L + "&token=" + ingestTokens[s]))
                                    .header("Content-Type", RAW).timeout(Duration.ofSeconds(60))
                                    .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build();
                            long sent = System.nanoTime();
                            try {
                                HttpResponse<String> response = http.send(put, HttpResponse.BodyHandlers.ofString());
                                latencies[i] = System.nanoTime() - sent;
                                if (response.statusCode() != 201 && response.statusCode() != 200) {
                                    failures.add(speaker(s) + "/" + second + ": " + response.statusCode() + " "
                                            + response.body());
                                }
                            } catch (Exception e) {
                                latencies[i] = System.nanoTime() - sent;
                                failures.add(speaker(s) + "/" + second + ": " + e);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> client : clients) {
                    client.get();
                }
                pool.shutdown();
                double uploadSeconds = (System.nanoTime() - uploadStart) / 1e9;
                long[] sorted = Arrays.copyOf(latencies, Math.min(next.get(), chunks));
                Arrays.sort(sorted);
                System.out.printf("upload: %,d chunks (%,.0f MB) in %.1f s: %,.0f chunks/s (%.0fx real time);"
                        + " ack p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d failed%n", sorted.length,
                        sorted.length * (double) CHUNK_BYTES / 1e6, uploadSeconds, sorted.length / uploadSeconds,
                        seconds / uploadSeconds, percentile(sorted, 0.50), percentile(sorted, 0.99),
                        sorted[sorted.length - 1] / 1e6, failures.size());
                failures.stream().limit(5).forEach(failure -> System.out.println("  failed: " + failure));

                // 3. The live mixing caught up with every window before the seal lag.
                int windows = (seconds + WINDOW_SECONDS - 1) / WINDOW_SECONDS;
                int expected = Math.max(1, windows - 2);
                long catchUpStart = System.nanoTime();
                long lastPrint = catchUpStart;
                long mixed = 0;
                long deadline = catchUpStart + Duration.ofMinutes(Math.max(5, minutes)).toNanos();
                while ((mixed = countMixed(database, recordingId, expected)) < expected) {
                    if (!service.isAlive() || System.nanoTime() > deadline) {
                        break;
                    }
                    if (System.nanoTime() - lastPrint > 15_000_000_000L) {
                        if (Files.readString(log).contains("OutOfMemoryError")) {
                            // A worker that ran out of heap is gone: nothing more will be mixed or sealed.
                            System.out.println("  the service ran out of heap; giving up:\n" + service.logTail(20));
                            break;
                        }
                        lastPrint = System.nanoTime();
                        System.out.printf("  mixing: %d of the first %d windows mixed after %.0f s%n", mixed, expected,
                                (lastPrint - catchUpStart) / 1e9);
                    }
                    Thread.sleep(250);
                }
                ProcessCpu.Self cpuMixed = ProcessCpu.Self.of(service.pid());
                double cpu = cpuMixed.secondsSince(cpuStart);
                serviceCpuPerHour = cpu / (seconds / 3600.0);
                System.out.printf("live mixing: %d of the first %d windows (of %d) mixed %.1f s after the upload ended;"
                        + " service CPU for ingest+mixing %.1f s (%.1f s in the JVM, %.1f s in its ffmpeg children):"
                        + " %.1f CPU s per hour of %d-speaker audio%n", mixed, expected, windows,
                        (System.nanoTime() - catchUpStart) / 1e9, cpu, cpuMixed.selfSecondsSince(cpuStart),
                        cpuMixed.childSecondsSince(cpuStart), serviceCpuPerHour, speakers);

                // 4. The room ends: time until the recording is READY.
                Instant endedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
                long endSent = System.nanoTime();
                send(producer, EventCatalog.ROOM_ENDED, roomId, new RoomEnded(roomId, host, EndReason.HOST_ENDED,
                        RetentionPolicy.SAVED, startedAt, endedAt));
                String status = "";
                String phase = "";
                ProcessCpu.Self phaseCpu = cpuMixed;
                long phaseStart = endSent;
                long finalizeDeadline = endSent + Duration.ofMinutes(Math.max(5, minutes)).toNanos();
                while (service.isAlive() && System.nanoTime() < finalizeDeadline) {
                    var row = database.pool.preparedQuery("SELECT status, processing_step FROM recording WHERE id = $1")
                            .execute(Tuple.of(recordingId)).await().indefinitely().iterator().next();
                    status = row.getString(0);
                    String now = status + (row.getString(1) == null ? "" : "/" + row.getString(1));
                    if (!now.equals(phase)) {
                        // Where the time after the end goes: each status/step, its wall time and the service's CPU.
                        ProcessCpu.Self cpuNow = ProcessCpu.Self.of(service.pid());
                        if (!phase.isEmpty()) {
                            System.out.printf("  %-28s %6.2f s, CPU %.1f s (ffmpeg %.1f s)%n", phase,
                                    (System.nanoTime() - phaseStart) / 1e9, cpuNow.secondsSince(phaseCpu),
                                    cpuNow.childSecondsSince(phaseCpu));
                        } else {
                            System.out.printf("  %-28s seen %.2f s after the end was sent%n", now,
                                    (System.nanoTime() - endSent) / 1e9);
                        }
                        phase = now;
                        phaseCpu = cpuNow;
                        phaseStart = System.nanoTime();
                    }
                    if (status.equals("READY") || status.equals("FAILED")) {
                        break;
                    }
                    Thread.sleep(50);
                }
                double finalizeSeconds = (System.nanoTime() - endSent) / 1e9;
                ProcessCpu.Self cpuFinal = ProcessCpu.Self.of(service.pid());
                ready = status.equals("READY");
                serviceTotalPerHour = cpuFinal.secondsSince(cpuStart) / (seconds / 3600.0);
                System.out.printf("end -> finalized: %s after %.2f s (service CPU %.1f s, %.1f s of it in ffmpeg)%n",
                        status, finalizeSeconds, cpuFinal.secondsSince(cpuMixed), cpuFinal.childSecondsSince(cpuMixed));
                var windowRow = database.pool.preparedQuery("SELECT count(*), count(*) FILTER (WHERE mixed_at > $2)"
                        + " FROM mix_window WHERE recording_id = $1 AND mixed_version >= input_version"
                        + " AND mixed_version >= 0").execute(Tuple.of(recordingId,
                                endedAt.atOffset(java.time.ZoneOffset.UTC)))
                        .await().indefinitely().iterator().next();
                System.out.printf("  %d windows mixed in all (room of %.0f s), %d of them mixed (again) after the"
                        + " end%n", windowRow.getLong(0), Duration.between(startedAt, endedAt).toMillis() / 1e3,
                        windowRow.getLong(1));

                // 6. Peak memory.
                System.out.printf("service peak RSS (VmHWM) %s with -Xmx%s; %s%n", vmHwm(service.pid()), heap,
                        service.isAlive() ? (ready ? "completed" : "alive, recording not READY")
                                : "service exited:\n" + service.logTail(40));
                if (!ready) {
                    System.out.println(service.logTail(40));
                }
            } finally {
                service.stop(Duration.ofSeconds(10));
            }
        }

        // 5. Reference: ffmpeg mixing, normalizing and encoding the same four tracks (--reference false skips it:
        // a long room's CPU per hour is the short room's, and its WAV files take gigabytes).
        if (!Boolean.parseBoolean(InboxBenchmark.stringOption(args, "--reference", "true"))) {
            System.exit(0);
        }
        Path dir = Files.createTempDirectory("recording-bench-ffmpeg");
        try {
            List<String> inputs = new ArrayList<>();
            for (int s = 0; s < speakers; s++) {
                Path wav = dir.resolve(speaker(s) + ".wav");
                tracks.writeWav(s, wav);
                inputs.addAll(List.of("-i", wav.toString()));
            }
            List<String> mix = List.of("-filter_complex", "amix=inputs=" + speakers
                    + ":normalize=0,loudnorm=I=-16,aresample=48000,asplit=2[opus][mp3]",
                    "-map", "[opus]", "-c:a", "libopus", "-b:a", "48k", dir.resolve("out.opus").toString(),
                    "-map", "[mp3]", "-c:a", "libmp3lame", "-b:a", "64k", dir.resolve("out.mp3").toString());
            double mixOnly = reference(dir, inputs, mix, seconds,
                    "amix, single-pass loudnorm, libopus 48k + libmp3lame 64k");
            // What the service makes besides: every speaker's own track in Opus 32k.
            List<String> everything = new ArrayList<>(mix);
            for (int s = 0; s < speakers; s++) {
                everything.addAll(List.of("-map", s + ":a", "-c:a", "libopus", "-b:a", "32k",
                        dir.resolve(speaker(s) + ".opus").toString()));
            }
            double sameOutputs = reference(dir, inputs, everything, seconds,
                    "the same and each speaker's track in libopus 32k, as the service makes them");
            System.out.printf("service / ffmpeg CPU against the mix alone: %.2f for ingest+live mixing (before the end),"
                    + " %.2f with the end; against the same outputs: %.2f and %.2f (%.1f service CPU s per audio"
                    + " hour in all)%n", serviceCpuPerHour / mixOnly, serviceTotalPerHour / mixOnly,
                    serviceCpuPerHour / sameOutputs, serviceTotalPerHour / sameOutputs, serviceTotalPerHour);
        } finally {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(dir);
        }
        System.exit(0);
    }

    /** Runs ffmpeg on the WAV inputs with {@code outputs}; prints and returns its CPU seconds per hour of audio. */
    private static double reference(Path dir, List<String> inputs, List<String> outputs, int seconds, String what)
            throws Exception {
        List<String> command = new ArrayList<>(List.of("/usr/bin/time", "-f", "%U %S %M", "-o",
                dir.resolve("time").toString(), "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"));
        command.addAll(inputs);
        command.addAll(outputs);
        long start = System.nanoTime();
        Process ffmpeg = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("ffmpeg.log").toFile()).start();
        int exit = ffmpeg.waitFor();
        double wall = (System.nanoTime() - start) / 1e9;
        String[] time = Files.readString(dir.resolve("time")).strip().split("\\R");
        String[] figures = time[time.length - 1].split(" ");
        double cpu = Double.parseDouble(figures[0]) + Double.parseDouble(figures[1]);
        double perHour = cpu / (seconds / 3600.0);
        System.out.printf("ffmpeg reference (%s, exit %d): %.1f CPU s in %.1f s wall, %.1f CPU s per hour of audio,"
                + " peak RSS %s kB%n", what, exit, cpu, wall, perHour, figures.length > 2 ? figures[2] : "?");
        if (exit != 0) {
            System.out.println(Files.readString(dir.resolve("ffmpeg.log")));
        }
        return perHour;
    }

    /**
     * The service's JVM options: {@code --service-jvm-opts} (default {@link ServiceJvm#DEFAULT_JVM_OPTIONS}) with
     * the heap of {@code --heap}.
     */
    static List<String> serviceJvm(String[] args, String heap) {
        List<String> jvm = new ArrayList<>();
        for (String option : InboxBenchmark.stringOption(args, "--service-jvm-opts", ServiceJvm.DEFAULT_JVM_OPTIONS)
                .split("\\s+")) {
            if (!option.isBlank() && !option.startsWith("-Xmx")) {
                jvm.add(option);
            }
        }
        jvm.add("-Xmx" + heap);
        System.out.println("service JVM options: " + String.join(" ", jvm));
        try {
            // its own journal volume: never the journals an earlier run left in the default directory
            jvm.add("-Dreprise.recording.ingest.journal-dir=" + Files.createTempDirectory("recording-bench-journal"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return jvm;
    }

    static String speaker(int s) {
        return "speaker-" + (s + 1);
    }

    private static double percentile(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    /**
     * Windows before {@code windows} mixed from sealed audio, or 0 while a journal of the recording waits to be
     * sealed: the chunks arrive far faster than real time, so the live mixing reaches windows (by the clock) before
     * their audio is sealed, mixes them from nothing, and mixes them again once the journal is sealed.
     */
    private static long countMixed(BenchDatabase database, UUID recordingId, int windows) {
        var row = database.pool.preparedQuery("SELECT (SELECT count(*) FROM pending_journal WHERE recording_id = $1),"
                + " (SELECT count(*) FROM mix_window WHERE recording_id = $1 AND window_index < $2"
                + " AND mixed_version >= input_version AND input_version > 0)")
                .execute(Tuple.of(recordingId, windows)).await().indefinitely().iterator().next();
        return row.getLong(0) > 0 ? 0 : row.getLong(1);
    }

    static String vmHwm(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return line.substring(6).strip();
                }
            }
        } catch (IOException e) {
            return "? (" + e + ")";
        }
        return "?";
    }

    static <T> void send(KafkaProducer<String, byte[]> producer, EventType<T> type, UUID roomId, T data)
            throws Exception {
        producer.send(TestEvents.roomRecord(type.type(), UUID.randomUUID().toString(), roomId, EventJson.write(data)))
                .get();
    }

    static void awaitCount(BenchDatabase database, ChildJvm service, String sql, UUID roomId, long expected)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (database.pool.preparedQuery(sql).execute(Tuple.of(roomId)).await().indefinitely().iterator().next()
                .getLong(0) < expected) {
            if (!service.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("not projected: " + sql + "\n" + service.logTail(40));
            }
            Thread.sleep(50);
        }
    }

    private static UUID awaitRecording(BenchDatabase database, ChildJvm service, UUID roomId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            var rows = database.pool.preparedQuery("SELECT id FROM recording WHERE room_id = $1")
                    .execute(Tuple.of(roomId)).await().indefinitely();
            if (rows.size() > 0) {
                return rows.iterator().next().getUUID("id");
            }
            if (!service.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("no recording row\n" + service.logTail(40));
            }
            Thread.sleep(50);
        }
    }

    private static String ingestToken(HttpClient http, String base, String hostToken, UUID roomId, String speaker)
            throws Exception {
        return ingestTokenField(http, base, hostToken, roomId, speaker, "token");
    }

    /** A field of the ingest token the room's host gets for {@code speaker}: "token" or "websocketPath". */
    static String ingestTokenField(HttpClient http, String base, String hostToken, UUID roomId, String speaker,
            String field) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/recordings/rooms/"
                + roomId + "/ingest-tokens")).header("Authorization", "Bearer " + hostToken)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"speakerId\":\"" + speaker + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher value = Pattern.compile("\"" + field + "\"\\s*:\\s*\"([^\"]+)\"").matcher(response.body());
        if (response.statusCode() != 201 || !value.find()) {
            throw new IllegalStateException("ingest token: " + response.statusCode() + " " + response.body());
        }
        return value.group(1).replace("\\u0026", "&");
    }

    /** The pocketsphinx test recordings, decoded once to 48 kHz mono s16le and joined. */
    static short[] decodeSpeech() throws Exception {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> wavs = Files.newDirectoryStream(SPEECH, "*.wav")) {
            wavs.forEach(files::add);
        }
        files.sort(null);
        List<String> command = new ArrayList<>(List.of("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error"));
        for (Path file : files) {
            command.addAll(List.of("-i", file.toString()));
        }
        StringBuilder concat = new StringBuilder();
        for (int i = 0; i < files.size(); i++) {
            concat.append('[').append(i).append(":a]");
        }
        concat.append("concat=n=").append(files.size()).append(":v=0:a=1");
        command.addAll(List.of("-filter_complex", concat.toString(), "-ar", "48000", "-ac", "1", "-f", "s16le", "-"));
        Process ffmpeg = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] pcm;
        try (InputStream in = ffmpeg.getInputStream()) {
            pcm = in.readAllBytes();
        }
        if (ffmpeg.waitFor() != 0 || pcm.length < CHUNK_BYTES) {
            throw new IllegalStateException("ffmpeg could not decode " + files);
        }
        short[] samples = new short[pcm.length / 2];
        ByteBuffer.wrap(pcm).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(samples);
        System.out.printf("speech: %d recordings, %.1f s at 48 kHz, looped%n", files.size(),
                samples.length / (double) RATE);
        return samples;
    }

    /**
     * Who talks when: turns of 4–20 s passing between the speakers, a second voice over a quarter of the turns;
     * everyone else silent (low noise, now and then digital zeros). Chunks are made on demand, so a long room
     * needs no memory.
     */
    static final class Tracks {
        private final short[] speech;
        private final int speakers;
        private final int seconds;
        private final boolean[][] talking;
        private final long seed;

        Tracks(short[] speech, int speakers, int seconds, long seed) {
            this.speech = speech;
            this.speakers = speakers;
            this.seconds = seconds;
            this.seed = seed;
            this.talking = new boolean[speakers][seconds];
            Random random = new Random(seed);
            int current = 0;
            int second = 0;
            while (second < seconds) {
                int turn = 4 + random.nextInt(17);
                int other = random.nextInt(4) == 0 && speakers > 1 ? (current + 1 + random.nextInt(speakers - 1))
                        % speakers : -1;
                int otherFrom = turn / 2;
                for (int i = 0; i < turn && second + i < seconds; i++) {
                    talking[current][second + i] = true;
                    if (other >= 0 && i >= otherFrom && i < otherFrom + 3) {
                        talking[other][second + i] = true;
                    }
                }
                second += turn;
                if (speakers > 1) {
                    current = (current + 1 + random.nextInt(speakers - 1)) % speakers;
                }
            }
        }

        long voicedSeconds() {
            long voiced = 0;
            for (boolean[] track : talking) {
                for (boolean t : track) {
                    voiced += t ? 1 : 0;
                }
            }
            return voiced;
        }

        long overlapSeconds() {
            long overlap = 0;
            for (int second = 0; second < seconds; second++) {
                int voices = 0;
                for (boolean[] track : talking) {
                    voices += track[second] ? 1 : 0;
                }
                overlap += voices > 1 ? 1 : 0;
            }
            return overlap;
        }

        /** Speaker {@code s}'s second {@code second} as s16le into {@code out} (CHUNK_BYTES). */
        void chunk(int s, int second, byte[] out) {
            ByteBuffer buffer = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
            if (talking[s][second]) {
                // Each speaker reads from another place of the looped speech.
                long start = (long) second * RATE + (long) s * speech.length / speakers;
                for (int i = 0; i < RATE; i++) {
                    buffer.putShort((short) speech[(int) ((start + i) % speech.length)]);
                }
            } else if ((second / 60 + s) % 5 == 0) {
                Arrays.fill(out, (byte) 0);
            } else {
                Random noise = new Random(seed ^ ((long) s << 32) ^ second);
                for (int i = 0; i < RATE; i++) {
                    buffer.putShort((short) (noise.nextGaussian() * 8));
                }
            }
        }

        void writeWav(int s, Path file) throws IOException {
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
                long data = (long) seconds * CHUNK_BYTES;
                ByteBuffer header = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
                header.put("RIFF".getBytes()).putInt((int) Math.min(0xFFFFFFFFL, data + 36)).put("WAVE".getBytes())
                        .put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1).putInt(RATE)
                        .putInt(RATE * 2).putShort((short) 2).putShort((short) 16).put("data".getBytes())
                        .putInt((int) Math.min(0xFFFFFFFFL, data));
                out.write(header.array());
                byte[] chunk = new byte[CHUNK_BYTES];
                for (int second = 0; second < seconds; second++) {
                    chunk(s, second, chunk);
                    out.write(chunk);
                }
            }
        }
    }
}
