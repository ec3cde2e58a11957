package dev.reprise.stack;

import dev.reprise.stack.runtime.ChildJvm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** Small helpers shared by the stack components. */
final class Support {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private Support() {
    }

    /** A random [A-Za-z0-9] string: safe inside SQL literals, URLs and properties files. */
    static String randomToken(int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(ALPHANUMERIC.charAt(RANDOM.nextInt(ALPHANUMERIC.length())));
        }
        return sb.toString();
    }

    /** A currently free TCP port on the loopback interface, not handed out before by this JVM. */
    static synchronized int freePort() {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int port = socket.getLocalPort();
                if (HANDED_OUT.add(port)) {
                    return port;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find a free port", e);
            }
        }
        throw new IllegalStateException("cannot find a free port");
    }

    /** The given port, or a free one if it is 0; fails clearly if a given port is taken. */
    static int portOrFree(int requested, String what) {
        if (requested == 0) {
            return freePort();
        }
        try (ServerSocket socket = new ServerSocket(requested, 1, InetAddress.getLoopbackAddress())) {
            return requested;
        } catch (IOException e) {
            throw new IllegalStateException(what + " port " + requested + " is already in use on 127.0.0.1", e);
        }
    }

    /** The paths of a classpath file written by maven-dependency-plugin:build-classpath into a runtime jar. */
    static String runtimeClasspath(String resource, String what) {
        String classpath;
        try (InputStream in = LocalStack.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " not found: is dev.reprise:local-stack-"
                        + what + "-runtime on the classpath? (it is a dependency of dev.reprise:local-stack)");
            }
            classpath = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
        List<String> missing = new ArrayList<>();
        for (String entry : classpath.split(java.io.File.pathSeparator)) {
            if (!entry.isBlank() && !Files.exists(Path.of(entry))) {
                missing.add(entry);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("the " + what + " runtime classpath (" + resource + ") names missing files "
                    + missing + "; rebuild it: mvn install -f local-stack/pom.xml -DskipTests");
        }
        return classpath;
    }

    /** rw------- where the file system supports it: the file holds local credentials. */
    static void ownerOnly(Path file) {
        try {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | UnsupportedOperationException ignored) {
            // best effort
        }
    }

    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }

    static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    /** Failure of a child JVM, with the tail of its log. */
    static IllegalStateException childFailure(ChildJvm child, String message) {
        return new IllegalStateException(message + "; last lines of " + child.logFile() + ":"
                + System.lineSeparator() + child.logTail(40));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
