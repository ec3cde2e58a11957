package dev.reprise.contracts;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopicTest {

    @Test
    void namesAndPartitions() {
        Map<Topic, String> names = Map.of(
                Topic.ROOM, "reprise.room",
                Topic.RECORDING, "reprise.recording",
                Topic.CONSENT, "reprise.consent",
                Topic.CLIP, "reprise.clip",
                Topic.TRANSCRIPT, "reprise.transcript");
        assertEquals(names.keySet(), Set.of(Topic.values()));
        names.forEach((topic, name) -> {
            assertEquals(name, topic.topicName());
            assertEquals(12, topic.partitions(), topic + " partitions");
        });
        Set<String> unique = Arrays.stream(Topic.values()).map(Topic::topicName).collect(Collectors.toSet());
        assertEquals(Topic.values().length, unique.size());
    }

    @Test
    void topicNamesAreLegalKafkaNames() {
        for (Topic topic : Topic.values()) {
            assertTrue(topic.topicName().matches("reprise\\.[a-z]+"), topic.topicName());
            assertTrue(topic.partitions() > 0);
        }
    }

    @Test
    void deadLetterTopics() {
        assertEquals(3, Topic.DEAD_LETTER_PARTITIONS);
        assertEquals("reprise.dlq.recording-service", Topic.deadLetterTopic("recording-service"));
        assertEquals("reprise.dlq.room-service", Topic.deadLetterTopic("room-service"));
        assertThrows(NullPointerException.class, () -> Topic.deadLetterTopic(null));
        for (String bad : new String[] {"", " ", "Recording-Service", "recording.service", "-x", "x-", "a b", "x/y"}) {
            assertThrows(IllegalArgumentException.class, () -> Topic.deadLetterTopic(bad), "'" + bad + "'");
        }
    }
}
