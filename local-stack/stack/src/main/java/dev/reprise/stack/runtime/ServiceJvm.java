package dev.reprise.stack.runtime;

import dev.reprise.stack.LocalStack;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts a built Reprise service (its {@code quarkus-run.jar}) as a child JVM wired to a local stack. */
public final class ServiceJvm {

    static final String QUARKUS_MAIN = "io.quarkus.bootstrap.runner.QuarkusEntryPoint";

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
        List<String> jvm = new ArrayList<>(jvmOptions);
        jvm.add("-D" + ParentWatchingMain.GRACE_PROPERTY + "=20000");
        jvm.add("-Dquarkus.http.host=127.0.0.1");
        jvm.add("-Dquarkus.http.port=" + port);
        for (Map.Entry<String, String> setting : stack.serviceConfig(service).entrySet()) {
            jvm.add("-D" + setting.getKey() + "=" + setting.getValue());
        }
        return ChildJvm.start(service, jvm, quarkusRunJar(moduleDir).toString(), QUARKUS_MAIN, List.of(), moduleDir,
                logFile, null);
    }
}
