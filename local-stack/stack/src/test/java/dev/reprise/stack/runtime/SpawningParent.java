package dev.reprise.stack.runtime;

import java.nio.file.Path;
import java.util.List;

/** A parent JVM for the kill -9 test: starts a Sleeper through ChildJvm, prints its pid, sleeps. */
public final class SpawningParent {

    static final String PID_PREFIX = "grandchild pid ";

    public static void main(String[] args) throws Exception {
        ChildJvm child = ChildJvm.start("grandchild", List.of("-Xmx32m"), args[0], Sleeper.class.getName(),
                List.of("120000"), null, Path.of(args[1]), null);
        System.out.println(PID_PREFIX + child.pid());
        System.out.flush();
        Thread.sleep(120_000);
    }
}
