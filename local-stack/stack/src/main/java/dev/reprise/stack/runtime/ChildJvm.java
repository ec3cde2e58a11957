package dev.reprise.stack.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.CodeSource;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM started through {@link ParentWatchingMain}: it dies with this JVM, even on {@code kill -9}, because it
 * exits when its standard input (a pipe held open by this object) reaches end-of-file. Its standard output and error go
 * to a log file. {@link #stop(Duration)} stops it gracefully (SIGTERM, wait, then SIGKILL).
 */
public final class ChildJvm {

    /** JVM system property set on every child, so {@code ps} shows which child a JVM is: {@code -Dreprise.child=kafka}. */
    public static final String CHILD_NAME_PROPERTY = "reprise.child";

    private final String name;
    private final Process process;
    private final OutputStream parentPipe;
    private final Path logFile;

    private ChildJvm(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.parentPipe = process.getOutputStream();
        this.logFile = logFile;
    }

    /**
     * Starts {@code java <jvmOptions> -cp <classpath>:<watcher> ParentWatchingMain <mainClass> <args>}.
     *
     * @param name       short name, used in the log header and as {@code -Dreprise.child=<name>}
     * @param jvmOptions options placed before {@code -cp}, e.g. {@code -Xmx512m} and {@code -Dkey=value}
     * @param classpath  the child's classpath (without the watcher, which is appended)
     * @param workingDir working directory of the child, or {@code null} to inherit this JVM's
     * @param logFile    file that receives the child's stdout and stderr (appended)
     */
    public static ChildJvm start(String name, List<String> jvmOptions, String classpath, String mainClass,
            List<String> args, Path workingDir, Path logFile, Map<String, String> environment) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.add("-D" + CHILD_NAME_PROPERTY + "=" + name);
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classpath.isEmpty() ? watcherLocation().toString()
                : classpath + java.io.File.pathSeparator + watcherLocation());
        command.add(ParentWatchingMain.class.getName());
        command.add(mainClass);
        command.addAll(args);

        Files.createDirectories(logFile.toAbsolutePath().getParent());
        Files.writeString(logFile, System.lineSeparator() + "===== [reprise] starting " + name + " at "
                + LocalDateTime.now() + System.lineSeparator() + "===== " + redact(String.join(" ", command))
                + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);

        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        // stdin stays a pipe: ParentWatchingMain exits on its end-of-file, i.e. when this JVM is gone
        builder.redirectInput(ProcessBuilder.Redirect.PIPE);
        if (workingDir != null) {
            builder.directory(workingDir.toFile());
        }
        if (environment != null) {
            builder.environment().putAll(environment);
        }
        return new ChildJvm(name, builder.start(), logFile);
    }

    /** The command line for the log header, without password and secret values. */
    static String redact(String commandLine) {
        return commandLine.replaceAll("(-D[^=\\s]*(?:password|secret|credential)[^=\\s]*=)\\S+", "$1***");
    }

    /** The {@code java} executable of this JVM. */
    public static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * A classpath entry holding {@link ParentWatchingMain}: this module's own code location (jar or classes
     * directory) when it is a plain file, otherwise a copy of the single class file under the temp directory.
     */
    public static Path watcherLocation() {
        try {
            CodeSource source = ParentWatchingMain.class.getProtectionDomain().getCodeSource();
            URL location = source == null ? null : source.getLocation();
            if (location != null && "file".equals(location.getProtocol())) {
                Path path = Path.of(location.toURI());
                if (Files.exists(path)) {
                    return path;
                }
            }
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            // fall back to a copy
        }
        return extractWatcher();
    }

    private static Path extractWatcher() {
        String resource = ParentWatchingMain.class.getName().replace('.', '/') + ".class";
        Path root = Path.of(System.getProperty("java.io.tmpdir"), "reprise-stack", "watcher-classes");
        Path target = root.resolve(resource);
        try (InputStream in = ParentWatchingMain.class.getClassLoader().getResourceAsStream(resource)) {
            Objects.requireNonNull(in, "cannot read " + resource);
            byte[] bytes = in.readAllBytes();
            if (Files.exists(target) && java.util.Arrays.equals(Files.readAllBytes(target), bytes)) {
                return root;
            }
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), "ParentWatchingMain", ".tmp");
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot provide " + resource + " for child JVMs", e);
        }
    }

    public String name() {
        return name;
    }

    public Process process() {
        return process;
    }

    public ProcessHandle handle() {
        return process.toHandle();
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path logFile() {
        return logFile;
    }

    /** Waits for the child to exit by itself; returns its exit code, or empty on timeout. */
    public java.util.OptionalInt waitForExit(Duration timeout) throws InterruptedException {
        if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            closePipe();
            return java.util.OptionalInt.of(process.exitValue());
        }
        return java.util.OptionalInt.empty();
    }

    /**
     * Stops the child: SIGTERM, waits up to {@code grace}, then SIGKILL; finally closes the stdin pipe.
     *
     * @return true if it stopped within the grace period
     */
    public boolean stop(Duration grace) {
        boolean graceful = true;
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    graceful = false;
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } finally {
            closePipe();
        }
        return graceful;
    }

    /**
     * Kills the child and its own children (an ffmpeg it runs) at once with SIGKILL, the way a crash or an
     * out-of-memory kill of its container ends them: no shutdown hook runs.
     */
    public void kill() throws InterruptedException {
        process.toHandle().destroyForcibly();
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.waitFor(10, TimeUnit.SECONDS);
        closePipe();
    }

    private void closePipe() {
        try {
            parentPipe.close();
        } catch (IOException ignored) {
            // the child is gone anyway
        }
    }

    /** The last {@code lines} lines of the child's log file. */
    public String logTail(int lines) {
        return tail(logFile, lines);
    }

    /** The last {@code lines} lines of a text file (empty if it cannot be read). */
    public static String tail(Path file, int lines) {
        try {
            if (!Files.exists(file)) {
                return "";
            }
            List<String> all = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
            return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + (process.isAlive() ? "" : ", exited") + ")";
    }
}
