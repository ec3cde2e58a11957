package dev.reprise.stack.testing;

import dev.reprise.stack.StackInfo;
import dev.reprise.stack.runtime.ChildJvm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Faults of this test JVM's local stack ({@link SharedStack}), for tests of how a service behaves when a dependency
 * is down or hung. Freezing (SIGSTOP) keeps every socket open but nothing answers, as a hung server or a network
 * black hole does; stopping closes the port, as a crashed or restarting server does.
 *
 * <p>Every fault must be undone in a {@code finally} block, since the stack is shared by every test class of the JVM:
 *
 * <pre>{@code
 * StackFaults.freezePostgres();
 * try { ... } finally { StackFaults.thawPostgres(); }
 * }</pre>
 */
public final class StackFaults {

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private StackFaults() {
    }

    /** The data directory of this JVM's stack. */
    public static Path dataDir() {
        String dir = System.getProperty(SharedStack.DIR_PROPERTY);
        if (dir == null) {
            throw new IllegalStateException("this JVM has no local stack (system property " + SharedStack.DIR_PROPERTY
                    + " is not set): use it through LocalStackTestResource or SharedStack.info() first");
        }
        return Path.of(dir).toAbsolutePath();
    }

    /** Suspends the postmaster and every backend: connections stay open, nothing answers. */
    public static void freezePostgres() {
        // the postmaster first, so that it forks no new backend while they are being stopped
        ProcessHandle postmaster = postmaster();
        signal("STOP", List.of(postmaster));
        signal("STOP", postmaster.descendants().toList());
    }

    /** Resumes what {@link #freezePostgres()} suspended. */
    public static void thawPostgres() {
        ProcessHandle postmaster = postmaster();
        List<ProcessHandle> all = new ArrayList<>(postmaster.descendants().toList());
        all.add(postmaster);
        signal("CONT", all);
    }

    /** Fast shutdown (SIGINT: open sessions are ended), then waits until the postmaster has exited. */
    public static void stopPostgres() {
        ProcessHandle postmaster = postmaster();
        signal("INT", List.of(postmaster));
        try {
            postmaster.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("PostgreSQL (pid " + postmaster.pid() + ") did not stop within "
                    + STOP_TIMEOUT, e);
        }
    }

    /**
     * Starts PostgreSQL again exactly as it was started ({@code postmaster.opts}), detached from this JVM, and waits
     * until it accepts connections. The stack's watchdog still stops it when the stack stops: it reads the pid file.
     */
    public static void startPostgres() {
        Path postgresDir = dataDir().resolve("postgres");
        List<String> command;
        try {
            command = parseCommandLine(
                    Files.readString(postgresDir.resolve("postmaster.opts"), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read how PostgreSQL was started", e);
        }
        List<String> detached = new ArrayList<>();
        detached.add("setsid"); // its own session: a signal to this JVM's process group does not reach it
        if ("root".equals(System.getProperty("user.name"))) {
            // PostgreSQL refuses to run as root; as the stack does (zonky), run it in a user namespace instead
            detached.addAll(List.of("unshare", "-U"));
        }
        detached.addAll(command);
        Path log = dataDir().resolve("logs").resolve("postgres.log");
        try {
            new ProcessBuilder(detached)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start PostgreSQL: " + detached, e);
        }
        awaitPostgresAcceptingConnections();
    }

    /** Suspends this stack's Kafka broker JVM: its port stays open, nothing answers. */
    public static void freezeKafka() {
        signal("STOP", List.of(kafka()));
    }

    /** Resumes what {@link #freezeKafka()} suspended. */
    public static void thawKafka() {
        signal("CONT", List.of(kafka()));
    }

    /** Suspends this stack's object store (s3proxy): its port stays open, nothing answers. */
    public static void freezeObjectStorage() {
        signal("STOP", List.of(childJvm("s3proxy")));
    }

    /** Resumes what {@link #freezeObjectStorage()} suspended. */
    public static void thawObjectStorage() {
        signal("CONT", List.of(childJvm("s3proxy")));
    }

    /** Polls until PostgreSQL answers a query as its superuser (trusted from loopback), or fails. */
    public static void awaitPostgresAcceptingConnections() {
        StackInfo info = stackInfo();
        String url = "jdbc:postgresql://127.0.0.1:" + info.postgresPort() + "/postgres";
        Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        properties.setProperty("connectTimeout", "2");
        properties.setProperty("socketTimeout", "2");
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            try (Connection connection = DriverManager.getConnection(url, properties)) {
                connection.createStatement().execute("SELECT 1");
                return;
            } catch (SQLException e) {
                last = e;
            }
            pause(Duration.ofMillis(100));
        }
        throw new IllegalStateException("PostgreSQL accepts no connections on port " + info.postgresPort()
                + " after " + START_TIMEOUT, last);
    }

    private static StackInfo stackInfo() {
        try {
            return StackInfo.read(dataDir());
        } catch (IOException e) {
            throw new UncheckedIOException("the local stack of this JVM (" + dataDir() + ") is gone", e);
        }
    }

    private static ProcessHandle postmaster() {
        Path pidFile = dataDir().resolve("postgres").resolve("postmaster.pid");
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            long pid = Long.parseLong(lines.get(0).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).orElseThrow(() ->
                    new IllegalStateException("PostgreSQL is not running (pid " + pid + " of " + pidFile + ")"));
        } catch (IOException | IndexOutOfBoundsException | NumberFormatException e) {
            throw new IllegalStateException("PostgreSQL is not running: no valid " + pidFile, e);
        }
    }

    /** The broker JVM of this stack: other stacks (another build's) may run on the same machine. */
    private static ProcessHandle kafka() {
        return childJvm("kafka");
    }

    /** This stack's child JVM of that name: other stacks (another build's) may run on the same machine. */
    private static ProcessHandle childJvm(String name) {
        String marker = "-D" + ChildJvm.CHILD_NAME_PROPERTY + "=" + name;
        String dir = dataDir().toString();
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            List<ProcessHandle> found = all.filter(process -> commandLine(process)
                    .filter(line -> line.contains(marker) && line.contains(dir)).isPresent()).toList();
            if (found.size() != 1) {
                throw new IllegalStateException("expected one " + name + " JVM of the stack in " + dir + ", found "
                        + found.size());
            }
            return found.get(0);
        }
    }

    /** The full command line: ProcessHandle's own may be truncated, /proc's is not. */
    private static java.util.Optional<String> commandLine(ProcessHandle process) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
            return java.util.Optional.of(new String(raw, StandardCharsets.UTF_8).replace('\0', ' '));
        } catch (IOException | SecurityException e) {
            return process.info().commandLine(); // gone meanwhile, or not Linux
        }
    }

    private static void signal(String signal, List<ProcessHandle> processes) {
        if (processes.isEmpty()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        processes.forEach(process -> command.add(Long.toString(process.pid())));
        try {
            Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** postmaster.opts: the program, then each argument in double quotes. */
    static List<String> parseCommandLine(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        boolean inWord = false;
        for (char c : line.strip().toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
                inWord = true;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
