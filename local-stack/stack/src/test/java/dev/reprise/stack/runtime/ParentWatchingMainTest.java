package dev.reprise.stack.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

class ParentWatchingMainTest {

    @TempDir
    Path tmp;

    @Test
    void aChildExitsWhenItsStdinPipeCloses() throws Exception {
        ChildJvm child = ChildJvm.start("sleeper", List.of("-Xmx32m", "-XX:TieredStopAtLevel=1"), testClasspath(),
                Sleeper.class.getName(), List.of("60000"), null, tmp.resolve("sleeper.log"), null);
        awaitLog(child.logFile(), Sleeper.READY);
        assertTrue(child.isAlive());

        child.process().getOutputStream().close(); // what the OS does when this JVM dies
        OptionalInt exit = child.waitForExit(Duration.ofSeconds(15));
        assertTrue(exit.isPresent(), "the child exits once its parent is gone");
        assertTrue(Files.readString(child.logFile()).contains("parent process gone"));
    }

    @Test
    void stopTerminatesGracefully() throws Exception {
        ChildJvm child = ChildJvm.start("sleeper", List.of("-Xmx32m"), testClasspath(), Sleeper.class.getName(),
                List.of("60000"), null, tmp.resolve("stop.log"), null);
        awaitLog(child.logFile(), Sleeper.READY);
        assertTrue(child.stop(Duration.ofSeconds(10)), "SIGTERM is enough");
        assertFalse(child.isAlive());
        assertTrue(Files.readString(child.logFile()).contains(Sleeper.HOOK), "shutdown hooks ran");
    }

    /** A real kill -9: the parent JVM dies without running anything, its child must still go away. */
    @Test
    void aGrandchildDiesWhenItsParentIsKilledWithSigkill() throws Exception {
        Path parentLog = tmp.resolve("parent.log");
        ChildJvm parent = ChildJvm.start("parent", List.of("-Xmx64m"), testClasspath(), SpawningParent.class.getName(),
                List.of(testClasspath(), tmp.resolve("grandchild.log").toString()), null, parentLog, null);
        String line = awaitLog(parentLog, SpawningParent.PID_PREFIX);
        long grandchildPid = Long.parseLong(line.substring(line.indexOf(SpawningParent.PID_PREFIX)
                + SpawningParent.PID_PREFIX.length()).trim());
        ProcessHandle grandchild = ProcessHandle.of(grandchildPid).orElseThrow();
        assertTrue(grandchild.isAlive());

        parent.process().destroyForcibly(); // SIGKILL
        parent.process().waitFor();
        Optional<ProcessHandle> gone = grandchild.onExit().completeOnTimeout(null, 15,
                java.util.concurrent.TimeUnit.SECONDS).thenApply(Optional::ofNullable).get();
        assertTrue(gone.isPresent() && !grandchild.isAlive(), "grandchild " + grandchildPid + " died with its parent");
        assertEquals(0, ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count());
    }

    @Test
    void theLogHeaderHidesSecrets() {
        String line = ChildJvm.redact("java -Dquarkus.datasource.password=abc -Dreprise.s3.secret-key=xyz "
                + "-Dquarkus.http.port=8081 -cp x Main");
        assertEquals("java -Dquarkus.datasource.password=*** -Dreprise.s3.secret-key=*** "
                + "-Dquarkus.http.port=8081 -cp x Main", line);
    }

    static String testClasspath() throws Exception {
        return Path.of(Sleeper.class.getProtectionDomain().getCodeSource().getLocation().toURI()) + File.pathSeparator
                + Path.of(ChildJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    static String awaitLog(Path log, String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log)) {
                    if (line.contains(text)) {
                        return line;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("'" + text + "' not in " + log + ":\n" + ChildJvm.tail(log, 30));
    }
}
