package dev.reprise.stack.testing;

import dev.reprise.stack.LocalStack;
import dev.reprise.stack.StackInfo;
import dev.reprise.stack.StackOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The one local stack of a test JVM, for {@link LocalStackTestResource} and for plain (non-Quarkus) tests:
 * {@code SharedStack.info().serviceConfig("room-service")}.
 *
 * <p> Quarkus may load test resources through a different class loader for each
 * application it boots, so a static field alone would not be shared: the data directory of the stack started first is
 * kept in a JVM-wide system property and later callers read its {@code stack.json}. The lock is an interned string
 * literal, the same object for every class loader.
 */
public final class SharedStack {

    /** System property naming the data directory of this JVM's stack. */
    public static final String DIR_PROPERTY = "reprise.local-stack.dir";
    /** Environment variable naming the data directory of an already running stack to use instead of starting one. */
    public static final String REUSE_ENV = "REPRISE_STACK_DIR";

    private static final String JVM_WIDE_LOCK = "dev.reprise.stack.testing.SharedStack#lock";
    private static final System.Logger LOG = System.getLogger(SharedStack.class.getName());

    private SharedStack() {
    }

    /**
     * The stack of this JVM: the one started before (by any class loader), else the running stack named by
     * {@code REPRISE_STACK_DIR}, else a new one on a temporary data directory, stopped by a JVM shutdown hook.
     */
    public static StackInfo info() {
        return info(System.getenv(REUSE_ENV));
    }

    /** As {@link #info()}, with the data directory of a running stack to reuse given explicitly (null: none). */
    public static StackInfo info(String reuseDir) {
        synchronized (JVM_WIDE_LOCK) {
            String dir = System.getProperty(DIR_PROPERTY);
            if (dir != null) {
                try {
                    return StackInfo.read(Path.of(dir));
                } catch (IOException e) {
                    throw new UncheckedIOException("the local stack of this JVM (" + dir + ") is gone", e);
                }
            }
            if (reuseDir != null && !reuseDir.isBlank()) {
                Optional<StackInfo> running = StackInfo.readRunning(Path.of(reuseDir).toAbsolutePath());
                if (running.isPresent()) {
                    LOG.log(System.Logger.Level.INFO, "using the running local stack of {0}={1}: {2}", REUSE_ENV,
                            reuseDir, running.get());
                    System.setProperty(DIR_PROPERTY, running.get().dataDir().toString());
                    return running.get();
                }
                LOG.log(System.Logger.Level.WARNING, "{0}={1} names no running stack (no {2} with a live owner): "
                        + "starting a local stack for this JVM", REUSE_ENV, reuseDir, StackInfo.FILE_NAME);
            }
            // stopped by its own JVM shutdown hook, not by a test resource: Quarkus may restart applications between
            // test classes, the stack stays for all of them
            LocalStack stack = LocalStack.start(StackOptions.defaults());
            System.setProperty(DIR_PROPERTY, stack.dataDir().toString());
            return stack.info();
        }
    }
}
