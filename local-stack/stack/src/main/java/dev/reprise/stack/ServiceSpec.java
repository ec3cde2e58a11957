package dev.reprise.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A Reprise service as the local stack knows it: its name (also its Maven module directory and the suffix of its
 * dead-letter topic), its own PostgreSQL database (the login role has the same name) and its HTTP port in the local
 * run.
 */
public record ServiceSpec(String name, String database, int localHttpPort) {

    /** Class path location of the suite's list of services (the repository's {@code services.conf}). */
    public static final String RESOURCE = "reprise-stack/services.conf";

    /** Every service, in start order of the local run. */
    public static final List<ServiceSpec> ALL = load();

    public ServiceSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(database, "database");
    }

    /** The database login role of the service: same name as its database. */
    public String role() {
        return database;
    }

    /** Reads {@link #RESOURCE}: one service a line (name, database, port), {@code #} starts a comment. */
    static List<ServiceSpec> load() {
        try (InputStream in = ServiceSpec.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the class path");
            }
            List<ServiceSpec> services = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String content = line.replaceAll("#.*", "").trim();
                if (content.isEmpty()) {
                    continue;
                }
                String[] fields = content.split("\\s+");
                if (fields.length != 3) {
                    throw new IllegalStateException(RESOURCE + ": expected 'name database port' in: " + line);
                }
                services.add(new ServiceSpec(fields[0], fields[1], Integer.parseInt(fields[2])));
            }
            return List.copyOf(services);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
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
