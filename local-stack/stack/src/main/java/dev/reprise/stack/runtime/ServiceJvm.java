package dev.reprise.stack.runtime;

import dev.reprise.stack.LocalStack;
import dev.reprise.stack.StackInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts a built Reprise service (its {@code quarkus-run.jar}) as a child JVM wired to a local stack. */
public final class ServiceJvm {

    static final String QUARKUS_MAIN = "io.quarkus.bootstrap.runner.QuarkusEntryPoint";

    /**
     * A service's default JVM options, for a small footprint (bench/README.md has the measurements): the
     * serial collector with a small young generation; C1 only, since the services wait on PostgreSQL and
     * Kafka far more than they compute, and C2's profiles, code and compiler arenas cost about 20 MiB;
     * native-heap trimming, which hands the compilers' freed arenas back to the OS; metaspace returned in
     * small granules (a JDK 17 option; later JDKs ignore it with a warning).
     */
    public static final String DEFAULT_JVM_OPTIONS = "-XX:+UseSerialGC -Xms16m -Xmn8m -Xmx192m"
            + " -XX:TieredStopAtLevel=1 -XX:TrimNativeHeapInterval=2000 -XX:MetaspaceReclaimPolicy=aggressive"
            + " -XX:-UsePerfData";

    /** Two malloc arenas instead of eight per core: the JVM allocates little natively once started. */
    public static final Map<String, String> ENVIRONMENT = Map.of("MALLOC_ARENA_MAX", "2");

    private ServiceJvm() {
    }

    /** The runnable jar Maven builds for a service module. */
    public static Path quarkusRunJar(Path moduleDir) {
        return moduleDir.resolve("target").resolve("quarkus-app").resolve("quarkus-run.jar");
    }

    /**
     * Starts {@code service} from {@code moduleDir}, listening on 127.0.0.1:{@code port}, with the stack's
     * connection settings as system properties and its output in {@code logFile}.
     */
    public static ChildJvm start(LocalStack stack, String service, Path moduleDir, int port, List<String> jvmOptions,
            Path logFile) throws IOException {
        return start(stack.info(), service, moduleDir, port, jvmOptions, logFile);
    }

    /** As above, on a stack described by its {@code stack.json} (a test JVM's {@code SharedStack}). */
    public static ChildJvm start(StackInfo stack, String service, Path moduleDir, int port, List<String> jvmOptions,
            Path logFile) throws IOException {
        List<String> jvm = new ArrayList<>(jvmOptions);
        jvm.add("-D" + ParentWatchingMain.GRACE_PROPERTY + "=20000");
        jvm.add("-Dquarkus.http.host=127.0.0.1");
        jvm.add("-Dquarkus.http.port=" + port);
        for (Map.Entry<String, String> setting : stack.serviceConfig(service).entrySet()) {
            jvm.add("-D" + setting.getKey() + "=" + setting.getValue());
        }
        return ChildJvm.start(service, jvm, quarkusRunJar(moduleDir).toString(), QUARKUS_MAIN, List.of(), moduleDir,
                logFile, ENVIRONMENT);
    }
}
