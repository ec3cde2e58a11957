package dev.reprise.contracts;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CloudEventHeadersTest {

    @Test
    void headerNamesFollowTheCloudEventsKafkaBinding() {
        assertEquals("ce_id", CloudEventHeaders.ID);
        assertEquals("ce_specversion", CloudEventHeaders.SPEC_VERSION);
        assertEquals("ce_type", CloudEventHeaders.TYPE);
        assertEquals("ce_source", CloudEventHeaders.SOURCE);
        assertEquals("ce_subject", CloudEventHeaders.SUBJECT);
        assertEquals("ce_time", CloudEventHeaders.TIME);
        assertEquals("content-type", CloudEventHeaders.CONTENT_TYPE);
        assertEquals("1.0", CloudEventHeaders.SPEC_VERSION_VALUE);
        assertEquals("application/json", CloudEventHeaders.JSON_CONTENT_TYPE);
    }

    @Test
    void source() {
        assertEquals("/reprise/room-service", CloudEventHeaders.source("room-service"));
        assertThrows(NullPointerException.class, () -> CloudEventHeaders.source(null));
        assertThrows(IllegalArgumentException.class, () -> CloudEventHeaders.source(" "));
        assertThrows(IllegalArgumentException.class, () -> CloudEventHeaders.source("a/b"));
        assertThrows(IllegalArgumentException.class, () -> CloudEventHeaders.source("/reprise/room-service"));
    }
}
