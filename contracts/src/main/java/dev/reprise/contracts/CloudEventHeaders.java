package dev.reprise.contracts;

/**
 * Kafka header names of the CloudEvents 1.0 Kafka protocol binding in binary content mode, as used by every Reprise
 * event. The record value is the JSON event data, the record key is the room id.
 */
public final class CloudEventHeaders {

    /** Unique event id (a UUID); consumers use it to de-duplicate redeliveries. */
    public static final String ID = "ce_id";
    /** CloudEvents spec version, always {@link #SPEC_VERSION_VALUE}. */
    public static final String SPEC_VERSION = "ce_specversion";
    /** Event type, e.g. {@code dev.reprise.room.created.v1}; see {@link EventCatalog}. */
    public static final String TYPE = "ce_type";
    /** Producing service, e.g. {@code /reprise/room-service}; see {@link #source(String)}. */
    public static final String SOURCE = "ce_source";
    /** The room id the event is about (same as the record key). */
    public static final String SUBJECT = "ce_subject";
    /** When the event happened, RFC 3339, e.g. {@code 2025-03-01T18:30:00.123Z}. */
    public static final String TIME = "ce_time";
    /** Content type of the record value, always {@link #JSON_CONTENT_TYPE}. */
    public static final String CONTENT_TYPE = "content-type";

    /** Value of {@link #SPEC_VERSION}. */
    public static final String SPEC_VERSION_VALUE = "1.0";
    /** Value of {@link #CONTENT_TYPE}. */
    public static final String JSON_CONTENT_TYPE = "application/json";
    /** Prefix of every {@link #SOURCE} value. */
    public static final String SOURCE_PREFIX = "/reprise/";

    private CloudEventHeaders() {
    }

    /**
     * The {@code ce_source} value of a service.
     *
     * @param serviceName e.g. {@code room-service}
     * @return e.g. {@code /reprise/room-service}
     * @throws IllegalArgumentException if the service name is not lower-case kebab-case
     */
    public static String source(String serviceName) {
        return SOURCE_PREFIX + ServiceNames.requireValid(serviceName);
    }
}
