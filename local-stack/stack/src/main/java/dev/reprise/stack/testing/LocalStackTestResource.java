package dev.reprise.stack.testing;

import dev.reprise.stack.ServiceSpec;
import dev.reprise.stack.StackInfo;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs a {@code @QuarkusTest} against the real local stack (Kafka, PostgreSQL, S3, JWT keys):
 *
 * <pre>{@code
 * @QuarkusTest
 * @WithTestResource(value = LocalStackTestResource.class,
 *         initArgs = @ResourceArg(name = "service", value = "room-service"))
 * class RoomResourceTest { ... }
 * }</pre>
 *
 * <p>One stack per test JVM, started on first use and shared by every test class of the module (and by every
 * application restart Quarkus does between them); a JVM shutdown hook stops it. With the environment variable
 * {@code REPRISE_STACK_DIR} naming the data directory of a running stack (e.g. {@code .reprise-local} of
 * {@code ./reprise up}), that stack is used instead.
 *
 * <p>The configuration returned is {@link StackInfo#serviceConfig(String)} of the service named by the init arg
 * {@code service}, plus {@code mp.jwt.verify.publickey=NONE} so that the stack's public key file is used even
 * where quarkus-smallrye-jwt generated a dev/test key pair.
 */
public class LocalStackTestResource implements QuarkusTestResourceLifecycleManager {

    /** Name of the init arg that names the service, e.g. {@code room-service}. */
    public static final String SERVICE_ARG = "service";

    /** The inline verification key property that this resource sets to NONE, see {@link #start()}. */
    public static final String INLINE_PUBLIC_KEY = "mp.jwt.verify.publickey";

    private String service;

    @Override
    public void init(Map<String, String> initArgs) {
        String name = initArgs == null ? null : initArgs.get(SERVICE_ARG);
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(LocalStackTestResource.class.getSimpleName()
                    + " needs the init arg 'service', e.g. @ResourceArg(name = \"service\", value = \"room-service\")");
        }
        service = ServiceSpec.byName(name).name();
    }

    @Override
    public Map<String, String> start() {
        if (service == null) {
            throw new IllegalStateException("init(...) was not called with the 'service' init arg");
        }
        Map<String, String> config = new LinkedHashMap<>(SharedStack.info().serviceConfig(service));
        // In dev and test mode, quarkus-smallrye-jwt generates an in-memory key pair and sets it inline as
        // mp.jwt.verify.publickey unless a key property is configured at build time; an inline key wins over
        // mp.jwt.verify.publickey.location. NONE (smallrye-jwt's "unset") makes the location count.
        config.put(INLINE_PUBLIC_KEY, "NONE");
        return config;
    }

    @Override
    public void stop() {
        // the stack outlives the application: it is stopped by the JVM shutdown hook
    }
}
