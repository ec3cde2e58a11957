package dev.reprise.stack;

import dev.reprise.stack.runtime.ChildJvm;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

/**
 * A real Kafka broker (KRaft, child JVM), PostgreSQL 17 (server process) and an S3 server (s3proxy, child JVM) on
 * loopback, plus a local JWT signing key — for {@code @QuarkusTest}s (through
 * {@link dev.reprise.stack.testing.LocalStackTestResource}) and for the local run
 * ({@link dev.reprise.stack.cli.LocalRun}).
 *
 * <p>Nothing outlives the JVM that started the stack: child JVMs exit when their stdin pipe from this JVM closes
 * (see {@link dev.reprise.stack.runtime.ParentWatchingMain}), a watchdog stops PostgreSQL the same way, a shutdown
 * hook calls {@link #close()}.
 *
 * <p>Data directory layout: {@code kafka/} (server.properties, data), {@code postgres/} (cluster), {@code s3proxy/}
 * (config), {@code s3/} (buckets), {@code jwt/private.pem}, {@code jwt/public.pem}, {@code logs/} (kafka.log,
 * s3proxy.log, postgres.log), {@code secrets.properties} (generated passwords and S3 keys, reused on a restart),
 * {@code stack.json} (while running), {@code stack.lock}.
 */
public final class LocalStack implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(LocalStack.class.getName());
    private static final String TEMP_PREFIX = "stack-";

    private final StackOptions options;
    private final Path dataDir;
    private final boolean temporary;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Map<String, Duration> timings = Collections.synchronizedMap(new LinkedHashMap<>());
    private final Thread shutdownHook;

    private volatile PostgresServer postgres;
    private volatile KafkaBroker kafka;
    private volatile S3Server s3;
    private volatile KeyPair jwtKeys;
    private volatile StackInfo info;
    private boolean closed;

    private LocalStack(StackOptions options, Path dataDir, boolean temporary, FileChannel lockChannel, FileLock lock) {
        this.options = options;
        this.dataDir = dataDir;
        this.temporary = temporary;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.shutdownHook = new Thread(this::close, "reprise-local-stack-shutdown");
    }

    /**
     * Starts Kafka, PostgreSQL, S3 and prepares the JWT keys, in parallel; returns once all are ready (topics and
     * database roles created). On failure everything started so far is stopped again.
     *
     * @throws IllegalStateException if a component does not start (the message holds the tail of its log), or if
     *                               the data directory is in use by another running stack
     */
    public static LocalStack start(StackOptions options) {
        long t0 = System.nanoTime();
        Path dataDir;
        boolean temporary = options.dataDir() == null;
        try {
            if (temporary) {
                Path parent = Path.of(System.getProperty("java.io.tmpdir"), "reprise-stack");
                Files.createDirectories(parent);
                deleteStaleTemporaryStacks(parent);
                dataDir = Files.createTempDirectory(parent, TEMP_PREFIX);
            } else {
                dataDir = options.dataDir();
                Files.createDirectories(dataDir);
                Path gitignore = dataDir.resolve(".gitignore");
                if (!Files.exists(gitignore)) {
                    Files.writeString(gitignore, "# local stack data, never committed\n*\n");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the data directory", e);
        }

        FileChannel channel = null;
        FileLock lock;
        try {
            channel = FileChannel.open(dataDir.resolve("stack.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            lock = channel.tryLock();
        } catch (IOException | OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            closeQuietly(channel);
            String owner = StackInfo.readRunning(dataDir).map(i -> " (pid " + i.pid() + ")").orElse("");
            throw new IllegalStateException("the data directory " + dataDir + " is in use by another running stack"
                    + owner + "; stop it first or use another data directory");
        }

        LocalStack stack = new LocalStack(options, dataDir, temporary, channel, lock);
        try {
            Runtime.getRuntime().addShutdownHook(stack.shutdownHook);
            stack.startComponents();
            stack.timings.put("total", Duration.ofNanos(System.nanoTime() - t0));
            LOG.log(System.Logger.Level.INFO, "local stack ready in {0}: {1}; data in {2}",
                    Support.seconds(stack.timings.get("total")), stack.timingSummary(), dataDir);
            return stack;
        } catch (RuntimeException | Error e) {
            stack.close();
            throw e;
        }
    }

    private void startComponents() {
        Path logs = dataDir.resolve("logs");
        Map<String, String> secrets = loadOrCreateSecrets();
        Map<String, String> passwords = new LinkedHashMap<>();
        for (ServiceSpec service : ServiceSpec.ALL) {
            passwords.put(service.role(), secrets.get("postgres." + service.role() + ".password"));
        }
        String accessKey = secrets.get("s3.access-key");
        String secretKey = secrets.get("s3.secret-key");
        int kafkaPort = Support.portOrFree(options.kafkaPort(), "Kafka");
        int postgresPort = Support.portOrFree(options.postgresPort(), "PostgreSQL");
        int s3Port = Support.portOrFree(options.s3Port(), "S3");

        ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "reprise-local-stack-start");
            t.setDaemon(true);
            return t;
        });
        try {
            List<CompletableFuture<?>> tasks = new ArrayList<>();
            tasks.add(CompletableFuture.runAsync(() -> {
                try {
                    postgres = PostgresServer.start(dataDir.resolve("postgres"), logs, postgresPort, temporary,
                            passwords, options, timings);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, executor));
            tasks.add(CompletableFuture.runAsync(() -> {
                try {
                    kafka = KafkaBroker.start(dataDir.resolve("kafka"), logs, kafkaPort, temporary, options, timings);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }, executor));
            tasks.add(CompletableFuture.runAsync(() -> {
                try {
                    s3 = S3Server.start(dataDir.resolve("s3proxy"), dataDir.resolve("s3"), logs, s3Port, accessKey,
                            secretKey, temporary, options, timings);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }, executor));
            tasks.add(CompletableFuture.runAsync(() -> {
                long t0 = System.nanoTime();
                jwtKeys = LocalJwt.loadOrCreateKeys(dataDir.resolve("jwt"));
                timings.put("jwt", Duration.ofNanos(System.nanoTime() - t0));
            }, executor));

            RuntimeException failure = null;
            for (CompletableFuture<?> task : tasks) {
                try {
                    task.join();
                } catch (CompletionException e) {
                    RuntimeException cause = e.getCause() instanceof RuntimeException re ? re
                            : new IllegalStateException(e.getCause());
                    if (failure == null) {
                        failure = cause;
                    } else {
                        failure.addSuppressed(cause);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            executor.shutdownNow();
        }

        info = new StackInfo(ProcessHandle.current().pid(), Instant.now(), dataDir, kafka.port(), postgres.port(),
                passwords, s3Port, accessKey, secretKey, dataDir.resolve("jwt").resolve(LocalJwt.PRIVATE_KEY_FILE),
                dataDir.resolve("jwt").resolve(LocalJwt.PUBLIC_KEY_FILE));
        info.write();
    }

    /** Generated once per data directory and reused, so a persistent stack keeps its credentials. */
    private Map<String, String> loadOrCreateSecrets() {
        Path file = dataDir.resolve("secrets.properties");
        Properties secrets = new Properties();
        try {
            if (Files.exists(file)) {
                try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    secrets.load(in);
                }
            }
            boolean changed = false;
            for (ServiceSpec service : ServiceSpec.ALL) {
                changed |= putIfAbsent(secrets, "postgres." + service.role() + ".password", Support.randomToken(24));
            }
            changed |= putIfAbsent(secrets, "s3.access-key", "reprise" + Support.randomToken(13).toLowerCase());
            changed |= putIfAbsent(secrets, "s3.secret-key", Support.randomToken(32));
            if (changed) {
                Path tmp = dataDir.resolve("secrets.properties.tmp");
                try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                    secrets.store(out, "Generated by the Reprise local stack for this data directory (local use only)");
                }
                Support.ownerOnly(tmp);
                Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write " + file, e);
        }
        Map<String, String> map = new LinkedHashMap<>();
        secrets.stringPropertyNames().forEach(k -> map.put(k, secrets.getProperty(k)));
        return map;
    }

    private static boolean putIfAbsent(Properties p, String key, String value) {
        if (p.getProperty(key) == null || p.getProperty(key).isBlank()) {
            p.setProperty(key, value);
            return true;
        }
        return false;
    }

    /** Temporary stacks whose owner died (lock free) and that are older than a minute are deleted. */
    private static void deleteStaleTemporaryStacks(Path parent) {
        try (Stream<Path> dirs = Files.list(parent)) {
            Instant oneMinuteAgo = Instant.now().minusSeconds(60);
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                if (!dir.getFileName().toString().startsWith(TEMP_PREFIX) || !Files.isDirectory(dir)) {
                    continue;
                }
                FileTime modified = Files.getLastModifiedTime(dir);
                if (modified.toInstant().isAfter(oneMinuteAgo)) {
                    continue;
                }
                Path lockFile = dir.resolve("stack.lock");
                boolean free;
                if (!Files.exists(lockFile)) {
                    free = true;
                } else {
                    try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE);
                         FileLock l = ch.tryLock()) {
                        free = l != null;
                    } catch (IOException | OverlappingFileLockException e) {
                        free = false;
                    }
                }
                if (free) {
                    LOG.log(System.Logger.Level.INFO, "deleting the data of a dead local stack: {0}", dir);
                    Support.deleteRecursively(dir);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot clean stale stacks in " + parent, e);
        }
    }

    /** Where this stack listens and its credentials (also in {@code <data>/stack.json}). */
    public StackInfo info() {
        return info;
    }

    /** The Quarkus configuration of a service against this stack; see {@link StackInfo#serviceConfig(String)}. */
    public Map<String, String> serviceConfig(String serviceName) {
        return info.serviceConfig(serviceName);
    }

    /** An RS256 JWT for {@code userId}: sub = upn = userId, the groups, iss = {@link LocalJwt#ISSUER}, exp in 12 h. */
    public String mintToken(String userId, Set<String> groups) {
        return LocalJwt.mint(jwtKeys.getPrivate(), LocalJwt.ISSUER, userId, groups);
    }

    /**
     * How long each part of the start took, in start order: {@code postgres.server}, {@code postgres} (with the
     * roles), {@code kafka.format} (first start of a data directory only), {@code kafka.broker} (until the Admin
     * client describes the cluster), {@code kafka.topics}, {@code kafka}, {@code s3}, {@code jwt}, {@code total}.
     */
    public Map<String, Duration> startupTimings() {
        synchronized (timings) {
            return Collections.unmodifiableMap(new LinkedHashMap<>(timings));
        }
    }

    public Path dataDir() {
        return dataDir;
    }

    /** True if the data directory is a temporary one that {@link #close()} deletes. */
    public boolean isTemporary() {
        return temporary;
    }

    public String kafkaBootstrapServers() {
        return info.kafkaBootstrapServers();
    }

    public int postgresPort() {
        return info.postgresPort();
    }

    public String s3Endpoint() {
        return info.s3Endpoint();
    }

    /** The processes the stack runs now: Kafka and s3proxy JVMs, the postmaster and the PostgreSQL watchdog. */
    public List<ProcessHandle> processes() {
        List<ProcessHandle> list = new ArrayList<>();
        KafkaBroker k = kafka;
        S3Server s = s3;
        PostgresServer p = postgres;
        if (k != null) {
            list.add(k.process().handle());
        }
        if (s != null) {
            list.add(s.process().handle());
        }
        if (p != null) {
            p.postmaster().ifPresent(list::add);
            list.add(p.janitor());
        }
        return list;
    }

    /** Child JVMs by name ({@code kafka}, {@code s3proxy}), e.g. to watch them or read their logs. */
    public Map<String, ChildJvm> childJvms() {
        Map<String, ChildJvm> map = new LinkedHashMap<>();
        if (kafka != null) {
            map.put("kafka", kafka.process());
        }
        if (s3 != null) {
            map.put("s3proxy", s3.process());
        }
        return map;
    }

    String timingSummary() {
        StringBuilder sb = new StringBuilder();
        synchronized (timings) {
            timings.forEach((k, v) -> {
                if (!k.equals("total")) {
                    sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(Support.seconds(v));
                }
            });
        }
        return sb.toString();
    }

    /**
     * Stops everything: Kafka and s3proxy get SIGTERM (then SIGKILL after a grace period), PostgreSQL a fast
     * shutdown; {@code stack.json} is removed; a temporary data directory is deleted. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException | IllegalArgumentException e) {
                // shutting down already, or never registered
            }
        }
        long t0 = System.nanoTime();
        Duration kafkaGrace = Duration.ofSeconds(temporary ? 10 : 30);
        List<Thread> stoppers = new ArrayList<>();
        KafkaBroker k = kafka;
        S3Server s = s3;
        PostgresServer p = postgres;
        if (k != null) {
            stoppers.add(new Thread(() -> k.process().stop(kafkaGrace), "reprise-stop-kafka"));
        }
        if (s != null) {
            stoppers.add(new Thread(() -> s.process().stop(Duration.ofSeconds(10)), "reprise-stop-s3proxy"));
        }
        if (p != null) {
            stoppers.add(new Thread(p::stop, "reprise-stop-postgres"));
        }
        stoppers.forEach(Thread::start);
        for (Thread t : stoppers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            if (info != null) {
                Files.deleteIfExists(dataDir.resolve(StackInfo.FILE_NAME));
            }
        } catch (IOException ignored) {
            // best effort
        }
        try {
            lock.release();
        } catch (IOException | RuntimeException ignored) {
            // best effort
        }
        closeQuietly(lockChannel);
        if (temporary) {
            Support.deleteRecursively(dataDir);
        }
        LOG.log(System.Logger.Level.INFO, "local stack stopped in {0}", Support.seconds(Duration.ofNanos(System.nanoTime() - t0)));
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    @Override
    public String toString() {
        return "LocalStack[" + (info == null ? dataDir : info) + "]";
    }
}
