package dev.reprise.recording.messaging;

import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.Topic;
import dev.reprise.platform.inbox.Inbox;
import dev.reprise.platform.inbox.InboxConsumer;
import dev.reprise.recording.service.RoomPolicyProjection;
import io.smallrye.mutiny.Uni;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Reads room-service's events; each handled event takes effect once, however often it is delivered. Created at
 * start-up, so the inbox (its health, metrics and dead-letter replay) knows the consumer before its first event.
 */
@Startup
@ApplicationScoped
public class RoomEventsConsumer {

    static final String CONSUMER = "recording-service.room-policy";

    private final InboxConsumer consumer;

    public RoomEventsConsumer(Inbox inbox, RoomPolicyProjection projection) {
        this.consumer = inbox.consumer(CONSUMER, Topic.ROOM)
                .on(EventCatalog.ROOM_CREATED, projection::created)
                .on(EventCatalog.ROOM_STARTED, projection::started)
                .on(EventCatalog.SPEAKER_ADDED, projection::speakerAdded)
                .on(EventCatalog.SPEAKER_CONSENT_CHANGED, projection::speakerConsentChanged)
                .on(EventCatalog.PARTICIPANT_LEFT, projection::participantLeft)
                .on(EventCatalog.ROOM_ENDED, projection::ended);
    }

    @Incoming("room-events")
    public Uni<Void> consume(ConsumerRecord<String, byte[]> record) {
        return consumer.handle(record);
    }
}
