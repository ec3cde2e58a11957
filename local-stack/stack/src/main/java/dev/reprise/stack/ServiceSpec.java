package dev.reprise.stack;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A Reprise service as the local stack knows it: its name (also its Maven module directory and the suffix of its
 * dead-letter topic), its own PostgreSQL database (the login role has the same name) and its HTTP port in the local
 * run.
 */
public record ServiceSpec(String name, String database, int localHttpPort) {

    public static final ServiceSpec ROOM = new ServiceSpec("room-service", "room", 8081);
    public static final ServiceSpec RECORDING = new ServiceSpec("recording-service", "recording", 8082);
    public static final ServiceSpec CONSENT = new ServiceSpec("consent-service", "consent", 8083);
    public static final ServiceSpec CLIP = new ServiceSpec("clip-service", "clip", 8084);
    public static final ServiceSpec TRANSCRIPT = new ServiceSpec("transcript-service", "transcript", 8085);

    /** Every service, in start order of the local run. */
    public static final List<ServiceSpec> ALL = List.of(ROOM, RECORDING, CONSENT, CLIP, TRANSCRIPT);

    public ServiceSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(database, "database");
    }

    /** The database login role of the service: same name as its database. */
    public String role() {
        return database;
    }

    /** The service with this name, e.g. {@code room-service}. */
    public static ServiceSpec byName(String name) {
        for (ServiceSpec spec : ALL) {
            if (spec.name.equals(name)) {
                return spec;
            }
        }
        throw new IllegalArgumentException("unknown service '" + name + "'; known services: "
                + ALL.stream().map(ServiceSpec::name).collect(Collectors.joining(", ")));
    }
}
