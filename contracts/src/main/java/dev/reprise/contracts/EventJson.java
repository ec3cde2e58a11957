package dev.reprise.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.util.Objects;

/**
 * JSON (de)serialisation of event data, configured the same way for every producer and consumer.
 *
 * <ul>
 *   <li>{@link java.time.Instant}s are written as ISO-8601 / RFC 3339 strings ({@code 2025-03-01T18:30:00Z}),
 *       never as numeric timestamps.</li>
 *   <li>{@code null} optional fields are omitted when writing; readers accept them absent or {@code null}.</li>
 *   <li>Unknown properties are ignored when reading, so consumers tolerate additive changes within a version.</li>
 *   <li>A missing or {@code null} required field, a {@code null} boolean, an unknown enum constant or malformed
 *       JSON makes {@link #read} throw {@link MalformedEventException}.</li>
 * </ul>
 */
public final class EventJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    // Readers and writers snapshot the configuration: read/write keep working as documented even if a caller
    // reconfigures the shared mapper.
    private static final ObjectReader READER = MAPPER.reader();
    private static final ObjectWriter WRITER = MAPPER.writer();

    private EventJson() {
    }

    /**
     * The shared, pre-configured mapper, for frameworks that need an {@link ObjectMapper} (e.g. a Kafka
     * serde). Treat it as read-only; derive {@code mapper().reader()/writer()} or {@code mapper().copy()} to
     * customise.
     */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * Serialises event data to UTF-8 JSON.
     *
     * @throws IllegalArgumentException if the object cannot be serialised
     */
    public static byte[] write(Object data) {
        Objects.requireNonNull(data, "data");
        try {
            return WRITER.writeValueAsBytes(data);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(
                    "cannot serialise " + data.getClass().getName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Deserialises UTF-8 JSON event data.
     *
     * @throws MalformedEventException if the bytes are not valid JSON for {@code type}
     */
    public static <T> T read(byte[] json, Class<T> type) {
        Objects.requireNonNull(type, "type");
        if (json == null || json.length == 0) {
            throw new MalformedEventException(type, "empty event data", null);
        }
        T value;
        try {
            value = READER.forType(type).readValue(json);
        } catch (JacksonException e) {
            throw new MalformedEventException(type, describe(e), e);
        } catch (IOException | RuntimeException e) {
            throw new MalformedEventException(type, e.getMessage(), e);
        }
        if (value == null) {
            throw new MalformedEventException(type, "event data is JSON null", null);
        }
        return value;
    }

    /**
     * Deserialises the data of a catalogued event type.
     *
     * @throws MalformedEventException if the bytes are not valid JSON for the type's data class
     */
    public static <T> T read(byte[] json, EventType<T> eventType) {
        return read(json, eventType.dataClass());
    }

    /** The error without Jackson's source excerpt, plus the JSON path of the offending field, if any. */
    private static String describe(JacksonException e) {
        String message = e.getOriginalMessage();
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            StringBuilder path = new StringBuilder();
            for (JsonMappingException.Reference reference : mapping.getPath()) {
                if (reference.getFieldName() != null) {
                    path.append(path.length() == 0 ? "" : ".").append(reference.getFieldName());
                } else if (reference.getIndex() >= 0) {
                    path.append('[').append(reference.getIndex()).append(']');
                }
            }
            if (path.length() > 0) {
                message = message + " (at " + path + ")";
            }
        }
        return message;
    }

    /** Event data that cannot be read as its type: malformed JSON, a missing required field, an unknown enum value. */
    public static final class MalformedEventException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        private final transient Class<?> targetType;

        public MalformedEventException(Class<?> targetType, String message, Throwable cause) {
            super("malformed " + targetType.getSimpleName() + " event data: " + message, cause);
            this.targetType = targetType;
        }

        /** The class the data was read as. */
        public Class<?> targetType() {
            return targetType;
        }
    }
}
