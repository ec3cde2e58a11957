package dev.reprise.stack.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Entry point of every child JVM that the local stack starts (Kafka, s3proxy, services of the local run):
 * {@code java -cp ... dev.reprise.stack.runtime.ParentWatchingMain <realMainClass> [args...]}.
 *
 * <p>The parent starts the child with its standard input connected to a pipe and never writes to it nor closes it
 * while it wants the child alive. When the parent process is gone — a normal exit, a crash or {@code kill -9} — the
 * operating system closes the pipe, this watcher reads end-of-file and the child exits: no orphaned JVM survives its
 * parent. The child first tries a normal {@link System#exit} (so the real main's shutdown hooks run, e.g. a clean
 * Kafka shutdown) and halts after {@value #DEFAULT_GRACE_MS} ms (system property {@value #GRACE_PROPERTY}) if that
 * hangs.
 *
 * <p>This class must stay self-contained (JDK only, no nested or anonymous classes): the stack either puts its own
 * code location on the child's classpath or copies just this one class file.
 */
public final class ParentWatchingMain {

    /** System property of the child: how long to wait for shutdown hooks before halting, in milliseconds. */
    public static final String GRACE_PROPERTY = "reprise.parent-watch.grace-ms";
    /** Default of {@link #GRACE_PROPERTY}. */
    public static final long DEFAULT_GRACE_MS = 10_000;

    private ParentWatchingMain() {
    }

    public static void main(String[] args) throws Throwable {
        if (args.length == 0) {
            System.err.println("usage: java -cp ... " + ParentWatchingMain.class.getName() + " <main-class> [args...]");
            System.exit(2);
        }
        Thread watcher = new Thread(ParentWatchingMain::watchParent, "reprise-parent-watch");
        watcher.setDaemon(true);
        watcher.start();

        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = ClassLoader.getSystemClassLoader();
        }
        Method main = Class.forName(args[0], true, loader).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static void watchParent() {
        try {
            InputStream in = System.in;
            byte[] buffer = new byte[256];
            while (in.read(buffer) >= 0) {
                // the parent never writes; anything read is ignored
            }
        } catch (IOException e) {
            // a broken pipe means the same as end-of-file: the parent is gone
        }
        long graceMs = Long.getLong(GRACE_PROPERTY, DEFAULT_GRACE_MS);
        System.err.println("[reprise] parent process gone (stdin closed): stopping this child JVM");
        System.err.flush();
        if (graceMs <= 0) {
            Runtime.getRuntime().halt(1);
        }
        Thread halter = new Thread(() -> {
            try {
                Thread.sleep(graceMs);
            } catch (InterruptedException ignored) {
                // halt now
            }
            Runtime.getRuntime().halt(1);
        }, "reprise-parent-watch-halt");
        halter.setDaemon(true);
        halter.start();
        System.exit(1);
    }
}
