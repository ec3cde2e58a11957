package dev.reprise.contracts;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One versioned event type of the contract.
 *
 * @param type           the CloudEvents {@code ce_type}, e.g. {@code dev.reprise.room.created.v1}
 * @param topic          the topic the event is published to
 * @param dataClass      the Java record of the event data (the Kafka record value)
 * @param schemaResource class path location of the JSON Schema of the data, e.g.
 *                       {@code schemas/room/room.created.v1.json}
 * @param <T>            the data type
 */
public record EventType<T>(String type, Topic topic, Class<T> dataClass, String schemaResource) {

    /** Shape of every {@code ce_type}: {@code dev.reprise.<domain>.<what>.v<N>}. */
    public static final Pattern TYPE_PATTERN = Pattern.compile("dev\\.reprise\\.[a-z.]+\\.v[0-9]+");

    public EventType {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(dataClass, "dataClass");
        Objects.requireNonNull(schemaResource, "schemaResource");
        if (!TYPE_PATTERN.matcher(type).matches()) {
            throw new IllegalArgumentException("event type '" + type + "' does not match " + TYPE_PATTERN);
        }
        if (schemaResource.startsWith("/") || !schemaResource.endsWith(".json")) {
            throw new IllegalArgumentException(
                    "schemaResource must be a relative class path location of a .json file: '" + schemaResource + "'");
        }
    }

    /** The version number of the type, e.g. {@code 1} for {@code dev.reprise.room.created.v1}. */
    public int version() {
        return Integer.parseInt(type.substring(type.lastIndexOf(".v") + 2));
    }
}
