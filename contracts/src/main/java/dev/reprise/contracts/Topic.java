package dev.reprise.contracts;

/**
 * The Kafka topics of the Reprise suite. Topic names and partition counts are defined here and nowhere else.
 *
 * <p>Every topic is keyed by room id, so all events of one room land on one partition and stay ordered.
 */
public enum Topic {
    /** Room lifecycle and participant events, published by room-service. */
    ROOM("reprise.room", 12),
    /** Recording lifecycle events, published by recording-service. */
    RECORDING("reprise.recording", 12),
    /** Speaker consent events. */
    CONSENT("reprise.consent", 12),
    /** Clip events. */
    CLIP("reprise.clip", 12),
    /** Transcript events. */
    TRANSCRIPT("reprise.transcript", 12);

    /** Partition count of every dead-letter topic (see {@link #deadLetterTopic(String)}). */
    public static final int DEAD_LETTER_PARTITIONS = 3;

    /** Prefix of the per-service dead-letter topics. */
    public static final String DEAD_LETTER_TOPIC_PREFIX = "reprise.dlq.";

    private final String topicName;
    private final int partitions;

    Topic(String topicName, int partitions) {
        this.topicName = topicName;
        this.partitions = partitions;
    }

    /** The Kafka topic name, e.g. {@code reprise.room}. */
    public String topicName() {
        return topicName;
    }

    /** The number of partitions the topic is created with. */
    public int partitions() {
        return partitions;
    }

    /**
     * The dead-letter topic of a service: a message that the service cannot process is written there with its
     * original key, value and headers, plus headers describing the error.
     *
     * @param serviceName lower-case kebab-case service name, e.g. {@code recording-service}
     * @return e.g. {@code reprise.dlq.recording-service}
     * @throws IllegalArgumentException if the service name is not lower-case kebab-case
     * @throws NullPointerException     if the service name is null
     */
    public static String deadLetterTopic(String serviceName) {
        return DEAD_LETTER_TOPIC_PREFIX + ServiceNames.requireValid(serviceName);
    }
}
