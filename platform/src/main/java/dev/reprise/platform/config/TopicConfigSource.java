package dev.reprise.platform.config;

import dev.reprise.contracts.Topic;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Exposes the contract's topic names as configuration, so channel settings refer to them instead of
 * repeating them: {@code reprise.topic.room} is {@code Topic.ROOM}'s name, and
 * {@code reprise.topic.dead-letter.<service>} the dead-letter topic of that service.
 */
public class TopicConfigSource implements ConfigSource {

    private static final String PREFIX = "reprise.topic.";
    private static final String DEAD_LETTER_PREFIX = PREFIX + "dead-letter.";

    private final Map<String, String> topics = new HashMap<>();

    public TopicConfigSource() {
        for (Topic topic : Topic.values()) {
            topics.put(PREFIX + topic.name().toLowerCase(Locale.ROOT), topic.topicName());
        }
    }

    @Override
    public Set<String> getPropertyNames() {
        return topics.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        if (propertyName.startsWith(DEAD_LETTER_PREFIX) && propertyName.length() > DEAD_LETTER_PREFIX.length()) {
            return Topic.deadLetterTopic(propertyName.substring(DEAD_LETTER_PREFIX.length()));
        }
        return topics.get(propertyName);
    }

    @Override
    public String getName() {
        return "reprise-contract-topics";
    }

    @Override
    public int getOrdinal() {
        return 50; // below every file and environment source
    }
}
