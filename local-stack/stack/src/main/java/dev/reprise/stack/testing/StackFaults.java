package dev.reprise.stack.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Faults injected into this test JVM's local stack (see {@link SharedStack}), for tests of what the services do
 * when a dependency goes away: a frozen process (SIGSTOP: connections stay open, nothing answers, as a hung
 * server or a network partition) or a stopped PostgreSQL (connections refused), then the dependency back.
 * Tests call the restoring method in a {@code finally} block.
 */
public final class StackFaults {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private StackFaults() {
    }

    /** Freezes the Kafka broker: every request to it hangs until {@link #thawKafka()}. */
    public static void freezeKafka() {
        signal("STOP", List.of(kafkaBroker()));
    }

    public static void thawKafka() {
        signal("CONT", List.of(kafkaBroker()));
    }

    /** Freezes PostgreSQL, the postmaster and every backend: queries and new connections hang. */
    public static void freezePostgres() {
        signal("STOP", postgresProcesses());
    }

    public static void thawPostgres() {
        signal("CONT", postgresProcesses());
    }

    /** Stops PostgreSQL (fast shutdown): connections are closed and new ones refused. */
    public static void stopPostgres() {
        ProcessHandle postmaster = postmaster().orElseThrow(() -> new IllegalStateException("PostgreSQL is not running"));
        signal("INT", List.of(postmaster));
        try {
            postmaster.onExit().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("PostgreSQL did not stop", e);
        }
    }

    /** Starts PostgreSQL again, exactly as it was started (its {@code postmaster.opts}), and waits for it to listen. */
    public static void startPostgres() {
        Path dataDir = postgresDataDir();
        try {
            String commandLine = Files.readString(dataDir.resolve("postmaster.opts")).trim();
            Path log = stackDir().resolve("logs").resolve("postgres.log");
            List<String> command = new ArrayList<>();
            if ("root".equals(System.getProperty("user.name"))) {
                // PostgreSQL refuses to run as root; the stack started it in a user namespace, so do we.
                command.addAll(List.of("unshare", "-U"));
            }
            command.addAll(arguments(commandLine));
            new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            int port = Integer.parseInt(command.get(command.indexOf("-p") + 1));
            awaitListening(port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start PostgreSQL again", e);
        }
    }

    /** postmaster.opts: the program, then each argument in double quotes ({@code /bin/postgres "-D" "/dir"}). */
    static List<String> arguments(String commandLine) {
        List<String> arguments = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (char c : commandLine.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (any) {
                    arguments.add(current.toString());
                    current.setLength(0);
                    any = false;
                }
            } else {
                current.append(c);
                any = true;
            }
        }
        if (any) {
            arguments.add(current.toString());
        }
        return arguments;
    }

    private static void awaitListening(int port) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                pause();
            }
        }
        throw new IllegalStateException("PostgreSQL does not listen on port " + port);
    }

    private static ProcessHandle kafkaBroker() {
        String dir = stackDir().toString();
        return ProcessHandle.allProcesses()
                .filter(process -> process.info().commandLine()
                        .map(line -> line.contains("-Dreprise.child=kafka ") && line.contains(dir)).orElse(false))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no Kafka broker of the stack in " + dir));
    }

    private static List<ProcessHandle> postgresProcesses() {
        ProcessHandle postmaster = postmaster().orElseThrow(() -> new IllegalStateException("PostgreSQL is not running"));
        List<ProcessHandle> processes = new ArrayList<>();
        processes.add(postmaster);
        postmaster.descendants().forEach(processes::add);
        return processes;
    }

    private static Optional<ProcessHandle> postmaster() {
        try {
            List<String> lines = Files.readAllLines(postgresDataDir().resolve("postmaster.pid"));
            return lines.isEmpty() ? Optional.empty() : ProcessHandle.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Path postgresDataDir() {
        return stackDir().resolve("postgres");
    }

    private static Path stackDir() {
        String dir = System.getProperty(SharedStack.DIR_PROPERTY);
        if (dir == null) {
            SharedStack.info();
            dir = System.getProperty(SharedStack.DIR_PROPERTY);
        }
        return Path.of(dir);
    }

    private static void signal(String signal, List<ProcessHandle> processes) {
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        processes.forEach(process -> command.add(Long.toString(process.pid())));
        try {
            Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: "
                        + new String(kill.getInputStream().readAllBytes()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
