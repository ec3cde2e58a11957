package dev.reprise.contracts;

import java.util.Objects;
import java.util.regex.Pattern;

/** Service names as used in {@code ce_source} and dead-letter topic names: lower-case kebab-case. */
final class ServiceNames {

    private static final Pattern SERVICE_NAME = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

    private ServiceNames() {
    }

    static String requireValid(String serviceName) {
        Objects.requireNonNull(serviceName, "serviceName");
        if (!SERVICE_NAME.matcher(serviceName).matches()) {
            throw new IllegalArgumentException(
                    "service name must be lower-case kebab-case (e.g. recording-service): '" + serviceName + "'");
        }
        return serviceName;
    }
}
