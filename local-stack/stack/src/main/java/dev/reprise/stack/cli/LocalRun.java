package dev.reprise.stack.cli;

import dev.reprise.stack.LocalJwt;
import dev.reprise.stack.LocalStack;
import dev.reprise.stack.ServiceSpec;
import dev.reprise.stack.StackInfo;
import dev.reprise.stack.StackOptions;
import dev.reprise.stack.runtime.ChildJvm;
import dev.reprise.stack.runtime.ServiceJvm;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.LogManager;

/**
 * The local run of the whole suite ({@code ./reprise up}) and the token command ({@code ./reprise token}).
 *
 * <pre>
 * up [--repo DIR] [--data DIR] [--no-services] [--services a,b] [--service-jvm-opts "OPTS"]
 *    [--kafka-port N] [--postgres-port N] [--s3-port N] [--child-heap SIZE] [--ready-timeout SECONDS]
 * token USER_ID [--moderator] [--repo DIR] [--data DIR]
 * </pre>
 *
 * {@code up} starts the local stack on a persistent data directory (default {@code <repo>/.reprise-local}), then every
 * service whose {@code <repo>/<service>/target/quarkus-app/quarkus-run.jar} exists, each in a child JVM on its own
 * port (8081..8085) with its stack configuration as {@code -D} system properties and its output in
 * {@code <data>/logs/<service>.log}; it waits for {@code /q/health/ready}, prints a summary and runs until SIGINT or
 * SIGTERM, then stops everything and exits 0.
 */
public final class LocalRun {

    /** Default ports of the stack in the local run (the tests use free ports). */
    public static final int DEFAULT_KAFKA_PORT = 19092;
    public static final int DEFAULT_POSTGRES_PORT = 15432;
    public static final int DEFAULT_S3_PORT = 19000;

    private static final PrintStream OUT = System.out;
    private static final PrintStream ERR = System.err;

    private LocalRun() {
    }

    public static void main(String[] args) {
        configureLogging();
        int code;
        try {
            code = run(args);
        } catch (UsageException e) {
            ERR.println("error: " + e.getMessage());
            ERR.println();
            ERR.println(usage());
            code = 2;
        }
        OUT.flush();
        System.exit(code);
    }

    static int run(String[] args) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            OUT.println(usage());
            return args.length == 0 ? 2 : 0;
        }
        Args a = new Args(Arrays.asList(args).subList(1, args.length));
        switch (args[0]) {
            case "up":
                return up(a);
            case "token":
                return token(a);
            default:
                throw new UsageException("unknown command '" + args[0] + "'");
        }
    }

    static String usage() {
        return String.join(System.lineSeparator(),
                "usage: ./reprise up [--build] [--data DIR] [--no-services] [--services room-service,...]",
                "                    [--service-jvm-opts \"OPTS\"] [--kafka-port N] [--postgres-port N] [--s3-port N]",
                "                    [--child-heap SIZE] [--ready-timeout SECONDS]",
                "       ./reprise token USER_ID [--moderator | --operator] [--data DIR]",
                "",
                "up      starts Kafka, PostgreSQL, S3 and every built service; Ctrl-C stops everything.",
                "        Data (and logs) go to --data, default <repo>/.reprise-local.",
                "token   prints a bearer token for USER_ID signed with the data directory's key",
                "        (groups [user], [user, moderator] with --moderator, [user, operator] with --operator).");
    }

    // ------------------------------------------------------------------------------------------------ token

    private static int token(Args a) {
        boolean moderator = a.flag("--moderator");
        boolean operator = a.flag("--operator");
        Path repo = a.path("--repo", Path.of("").toAbsolutePath());
        Path data = a.path("--data", repo.resolve(".reprise-local"));
        String userId = a.positional().orElseThrow(() -> new UsageException("token needs a USER_ID"));
        a.finish();
        Path jwtDir = data.resolve("jwt");
        boolean existed = Files.exists(jwtDir.resolve(LocalJwt.PRIVATE_KEY_FILE));
        KeyPair keys = LocalJwt.loadOrCreateKeys(jwtDir);
        if (!existed) {
            ERR.println("note: created a new signing key in " + jwtDir + " (./reprise up will use it)");
        }
        OUT.println(LocalJwt.mint(keys.getPrivate(), LocalJwt.ISSUER, userId,
                moderator ? LocalJwt.moderatorGroups() : operator ? LocalJwt.operatorGroups() : LocalJwt.userGroups()));
        return 0;
    }

    // ------------------------------------------------------------------------------------------------ up

    private static int up(Args a) {
        Path repo = a.path("--repo", Path.of("").toAbsolutePath()).toAbsolutePath().normalize();
        Path data = a.path("--data", repo.resolve(".reprise-local")).toAbsolutePath().normalize();
        boolean noServices = a.flag("--no-services");
        String only = a.value("--services", null);
        String env = System.getenv("REPRISE_SERVICE_JVM_OPTS");
        // Services' JVM options: --service-jvm-opts, else REPRISE_SERVICE_JVM_OPTS, else the footprint defaults.
        String jvmOpts = a.value("--service-jvm-opts",
                env == null || env.isBlank() ? ServiceJvm.DEFAULT_JVM_OPTIONS : env);
        StackOptions options = StackOptions.builder()
                .dataDir(data)
                .kafkaPort(a.intValue("--kafka-port", DEFAULT_KAFKA_PORT))
                .postgresPort(a.intValue("--postgres-port", DEFAULT_POSTGRES_PORT))
                .s3Port(a.intValue("--s3-port", DEFAULT_S3_PORT))
                .childHeap(a.value("--child-heap", "512m"))
                .build();
        Duration readyTimeout = Duration.ofSeconds(a.intValue("--ready-timeout", 120));
        a.finish();

        List<ServiceSpec> wanted = new ArrayList<>();
        if (!noServices) {
            if (only == null) {
                wanted.addAll(ServiceSpec.ALL);
            } else {
                for (String name : only.split(",")) {
                    if (!name.isBlank()) {
                        try {
                            wanted.add(ServiceSpec.byName(name.trim()));
                        } catch (IllegalArgumentException e) {
                            throw new UsageException(e.getMessage());
                        }
                    }
                }
            }
        }

        Session session = new Session(repo, data, readyTimeout, splitOptions(jvmOpts));
        session.installSignalHandlers();
        Thread hook = new Thread(session::shutdown, "reprise-local-run-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        int code = session.run(options, wanted);
        session.shutdown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // already shutting down
        }
        return code;
    }

    /** One {@code up}: the stack, the service children, the stop signal. */
    private static final class Session {
        private final Path repo;
        private final Path data;
        private final Duration readyTimeout;
        private final List<String> serviceJvmOptions;
        private final CountDownLatch stopRequested = new CountDownLatch(1);
        private final AtomicInteger signals = new AtomicInteger();
        private final AtomicBoolean shutDown = new AtomicBoolean();
        private final List<RunningService> services = new ArrayList<>();
        private volatile LocalStack stack;

        Session(Path repo, Path data, Duration readyTimeout, List<String> serviceJvmOptions) {
            this.repo = repo;
            this.data = data;
            this.readyTimeout = readyTimeout;
            this.serviceJvmOptions = serviceJvmOptions;
        }

        void installSignalHandlers() {
            for (String name : List.of("INT", "TERM")) {
                try {
                    sun.misc.SignalHandler previous = sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                        if (signals.incrementAndGet() > 1) {
                            ERR.println("second signal: exiting at once (children exit with this process)");
                            Runtime.getRuntime().halt(130);
                        }
                        OUT.println();
                        OUT.println("SIG" + name + " received: stopping ...");
                        stopRequested.countDown();
                    });
                    if (previous == sun.misc.SignalHandler.SIG_IGN) {
                        ERR.println("WARNING: SIG" + name + " is ignored by this process (started in the background by a"
                                + " script?); stop it with SIGTERM, or start it through ./reprise");
                    }
                } catch (IllegalArgumentException | UnsupportedOperationException e) {
                    // the JVM's default handling (shutdown hook) still stops everything
                }
            }
        }

        int run(StackOptions options, List<ServiceSpec> wanted) {
            long t0 = System.nanoTime();
            OUT.println("Starting the Reprise local stack (data: " + data + ") ...");
            try {
                stack = LocalStack.start(options);
            } catch (RuntimeException e) {
                ERR.println("ERROR: the local stack did not start: " + e.getMessage());
                return 1;
            }
            printStack(stack);
            if (stopRequested.getCount() == 0) {
                return 0;
            }

            List<ServiceSpec> toStart = new ArrayList<>();
            for (ServiceSpec spec : wanted) {
                Path jar = quarkusRunJar(spec);
                if (Files.isRegularFile(jar)) {
                    toStart.add(spec);
                } else {
                    OUT.printf("  %-19s not built (%s missing): skipped; build it with ./reprise up --build%n",
                            spec.name(), repo.relativize(jar));
                }
            }
            for (ServiceSpec spec : toStart) {
                if (!portFree(spec.localHttpPort())) {
                    ERR.println("ERROR: port " + spec.localHttpPort() + " of " + spec.name()
                            + " is already in use on 127.0.0.1 (another ./reprise up?)");
                    return 1;
                }
            }
            if (!toStart.isEmpty()) {
                OUT.println("Starting " + toStart.size() + " service(s) (JVM options: "
                        + String.join(" ", serviceJvmOptions) + ") ...");
            }
            for (ServiceSpec spec : toStart) {
                try {
                    services.add(launch(spec));
                } catch (IOException e) {
                    ERR.println("ERROR: cannot start " + spec.name() + ": " + e);
                    return 1;
                }
            }
            List<Thread> waiters = new ArrayList<>();
            for (RunningService service : services) {
                Thread t = new Thread(service::awaitReady, "reprise-wait-" + service.spec.name());
                t.start();
                waiters.add(t);
            }
            for (Thread t : waiters) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 1;
                }
            }
            if (stopRequested.getCount() == 0) {
                return 0;
            }
            boolean failed = false;
            for (RunningService service : services) {
                if (service.failure != null) {
                    failed = true;
                    ERR.println();
                    ERR.println("ERROR: " + service.spec.name() + " " + service.failure);
                    ERR.println("---- last lines of " + service.child.logFile() + " ----");
                    ERR.println(service.child.logTail(60));
                    ERR.println("----");
                }
            }
            if (failed) {
                return 1;
            }
            for (RunningService service : services) {
                OUT.printf("  %-19s http://127.0.0.1:%d   ready in %s   (log: %s)%n", service.spec.name(),
                        service.spec.localHttpPort(), seconds(service.readyAfter), display(service.child.logFile()));
                service.child.process().onExit().thenRun(() -> {
                    if (stopRequested.getCount() > 0 && !shutDown.get()) {
                        ERR.println();
                        ERR.println("WARNING: " + service.spec.name() + " exited (code "
                                + service.child.process().exitValue() + "); last lines of its log:");
                        ERR.println(service.child.logTail(30));
                    }
                });
            }
            stack.childJvms().forEach((name, child) -> child.process().onExit().thenRun(() -> {
                if (stopRequested.getCount() > 0 && !shutDown.get()) {
                    ERR.println();
                    ERR.println("WARNING: " + name + " of the stack exited; last lines of its log:");
                    ERR.println(child.logTail(30));
                }
            }));

            OUT.println();
            OUT.println("Reprise is up in " + seconds(Duration.ofNanos(System.nanoTime() - t0)) + ": "
                    + (services.isEmpty() ? "stack only, no service built" : services.size() + " service(s) ready")
                    + ".");
            OUT.println("  token:  ./reprise token alice        (moderator: ./reprise token alice --moderator)");
            OUT.println("  e.g.    curl -H \"Authorization: Bearer $(./reprise token alice)\" http://127.0.0.1:"
                    + ServiceSpec.byName("room-service").localHttpPort() + "/...");
            OUT.println("  stack:  " + display(data.resolve(StackInfo.FILE_NAME)) + " (ports, credentials)");
            OUT.println("Press Ctrl-C to stop.");
            try {
                stopRequested.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 0;
        }

        void shutdown() {
            if (!shutDown.compareAndSet(false, true)) {
                return;
            }
            long t0 = System.nanoTime();
            List<Thread> stoppers = new ArrayList<>();
            for (RunningService service : services) {
                Thread t = new Thread(() -> service.child.stop(Duration.ofSeconds(20)), "reprise-stop-" + service.spec.name());
                t.start();
                stoppers.add(t);
            }
            for (Thread t : stoppers) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (!services.isEmpty()) {
                OUT.println("Services stopped in " + seconds(Duration.ofNanos(System.nanoTime() - t0)) + ".");
            }
            LocalStack s = stack;
            if (s != null) {
                long t1 = System.nanoTime();
                s.close();
                OUT.println("Local stack stopped in " + seconds(Duration.ofNanos(System.nanoTime() - t1)) + ".");
            }
            OUT.flush();
        }

        private Path quarkusRunJar(ServiceSpec spec) {
            return ServiceJvm.quarkusRunJar(repo.resolve(spec.name()));
        }

        private RunningService launch(ServiceSpec spec) throws IOException {
            ChildJvm child = ServiceJvm.start(stack, spec.name(), repo.resolve(spec.name()), spec.localHttpPort(),
                    serviceJvmOptions, data.resolve("logs").resolve(spec.name() + ".log"));
            return new RunningService(spec, child, readyTimeout, stopRequested);
        }

        private void printStack(LocalStack s) {
            Map<String, Duration> t = s.startupTimings();
            StackInfo info = s.info();
            OUT.println("Local stack ready in " + seconds(t.get("total")) + ":");
            OUT.printf("  %-19s %-27s ready in %s%s%n", "kafka", info.kafkaBootstrapServers(), seconds(t.get("kafka")),
                    t.containsKey("kafka.format") ? "  (format " + seconds(t.get("kafka.format")) + ", broker "
                            + seconds(t.get("kafka.broker")) + ", topics " + seconds(t.get("kafka.topics")) + ")"
                            : "  (broker " + seconds(t.get("kafka.broker")) + ", topics "
                            + seconds(t.get("kafka.topics")) + ")");
            OUT.printf("  %-19s %-27s ready in %s  (a role and database per service; passwords in %s)%n",
                    "postgres", "127.0.0.1:" + info.postgresPort(), seconds(t.get("postgres")),
                    StackInfo.FILE_NAME);
            OUT.printf("  %-19s %-27s ready in %s  (access key %s)%n", "s3", info.s3Endpoint(), seconds(t.get("s3")),
                    info.s3AccessKey());
            OUT.printf("  %-19s %-27s%n", "jwt", display(info.jwtPublicKey()) + " (issuer " + LocalJwt.ISSUER + ")");
        }

        private String display(Path p) {
            Path abs = p.toAbsolutePath();
            Path cwd = Path.of("").toAbsolutePath();
            return abs.startsWith(cwd) ? cwd.relativize(abs).toString() : abs.toString();
        }
    }

    /** A service child JVM and its readiness. */
    private static final class RunningService {
        final ServiceSpec spec;
        final ChildJvm child;
        final Duration timeout;
        final CountDownLatch stopRequested;
        final long startedAt = System.nanoTime();
        volatile Duration readyAfter;
        volatile String failure;

        RunningService(ServiceSpec spec, ChildJvm child, Duration timeout, CountDownLatch stopRequested) {
            this.spec = spec;
            this.child = child;
            this.timeout = timeout;
            this.stopRequested = stopRequested;
        }

        void awaitReady() {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
            URI uri = URI.create("http://127.0.0.1:" + spec.localHttpPort() + "/q/health/ready");
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(3)).GET().build();
            long deadline = startedAt + timeout.toNanos();
            String last = "no answer";
            while (System.nanoTime() < deadline) {
                if (stopRequested.getCount() == 0) {
                    return;
                }
                if (!child.isAlive()) {
                    failure = "exited during start-up (exit code " + child.process().exitValue() + ")";
                    return;
                }
                try {
                    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200) {
                        readyAfter = Duration.ofNanos(System.nanoTime() - startedAt);
                        return;
                    }
                    if (response.statusCode() == 404) {
                        failure = "answers 404 on " + uri + ": it needs quarkus-smallrye-health on its main HTTP port";
                        return;
                    }
                    last = "HTTP " + response.statusCode() + " " + abbreviate(response.body());
                } catch (ConnectException e) {
                    last = "connection refused";
                } catch (IOException e) {
                    last = e.toString();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            failure = "was not ready within " + timeout.toSeconds() + " s (" + uri + ": " + last + ")";
        }

        private static String abbreviate(String s) {
            String oneLine = s.replaceAll("\\s+", " ");
            return oneLine.length() > 300 ? oneLine.substring(0, 300) + "..." : oneLine;
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    static List<String> splitOptions(String options) {
        List<String> list = new ArrayList<>();
        for (String part : options.trim().split("\\s+")) {
            if (!part.isEmpty()) {
                list.add(part);
            }
        }
        return list;
    }

    private static boolean portFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String seconds(Duration d) {
        return d == null ? "-" : String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    /** Plain one-line JUL output; Kafka client and zonky chatter only from WARNING up. */
    private static void configureLogging() {
        if (System.getProperty("java.util.logging.config.file") != null) {
            return;
        }
        String config = String.join("\n",
                "handlers=java.util.logging.ConsoleHandler",
                ".level=INFO",
                "java.util.logging.ConsoleHandler.level=ALL",
                "java.util.logging.ConsoleHandler.formatter=java.util.logging.SimpleFormatter",
                "java.util.logging.SimpleFormatter.format=%1$tH:%1$tM:%1$tS %4$s [%3$s] %5$s%6$s%n",
                "org.apache.kafka.level=WARNING",
                "io.zonky.level=WARNING",
                "io.minio.level=WARNING",
                "");
        try {
            LogManager.getLogManager().readConfiguration(new ByteArrayInputStream(config.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            // keep the defaults
        }
    }

    /** Minimal option parsing: {@code --name value}, {@code --flag}, one positional argument. */
    private static final class Args {
        private final List<String> rest;

        Args(List<String> args) {
            this.rest = new ArrayList<>(args);
        }

        boolean flag(String name) {
            return rest.remove(name);
        }

        String value(String name, String defaultValue) {
            int i = rest.indexOf(name);
            if (i < 0) {
                for (int j = 0; j < rest.size(); j++) {
                    if (rest.get(j).startsWith(name + "=")) {
                        return rest.remove(j).substring(name.length() + 1);
                    }
                }
                return defaultValue;
            }
            if (i + 1 >= rest.size()) {
                throw new UsageException(name + " needs a value");
            }
            rest.remove(i);
            return rest.remove(i);
        }

        int intValue(String name, int defaultValue) {
            String v = value(name, null);
            if (v == null) {
                return defaultValue;
            }
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new UsageException(name + " needs a number: " + v);
            }
        }

        Path path(String name, Path defaultValue) {
            String v = value(name, null);
            return v == null ? defaultValue : Path.of(v).toAbsolutePath();
        }

        java.util.Optional<String> positional() {
            for (int i = 0; i < rest.size(); i++) {
                if (!rest.get(i).startsWith("--")) {
                    return java.util.Optional.of(rest.remove(i));
                }
            }
            return java.util.Optional.empty();
        }

        void finish() {
            if (!rest.isEmpty()) {
                throw new UsageException("unexpected argument(s): " + String.join(" ", rest));
            }
        }
    }

    private static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

}
