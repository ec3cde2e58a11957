package dev.reprise.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The storage tool takes an id starting with '-' for an option: one random id in 64 used to fail a start. */
class KafkaClusterIdTest {

    @Test
    void clusterIdsAreBase64UrlUuidsThatNeverStartWithADash() {
        for (int i = 0; i < 20_000; i++) {
            String id = KafkaBroker.clusterId();
            assertEquals(22, id.length(), id);
            assertFalse(id.startsWith("-"), id);
            assertTrue(id.matches("[A-Za-z0-9_-]{22}"), id);
        }
    }
}
