package dev.reprise.recording.messaging;

import dev.reprise.platform.inbox.Inbox;
import dev.reprise.recording.service.RoomPolicyProjection;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** Reads room-service's events; each takes effect once, however often it is delivered. */
@ApplicationScoped
public class RoomEventsConsumer {

    static final String CONSUMER = "recording-service.room-policy";

    private final Inbox inbox;
    private final RoomPolicyProjection projection;

    public RoomEventsConsumer(Inbox inbox, RoomPolicyProjection projection) {
        this.inbox = inbox;
        this.projection = projection;
    }

    @Incoming("room-events")
    public Uni<Void> consume(ConsumerRecord<String, byte[]> record) {
        return inbox.processOnce(CONSUMER, record, projection::apply);
    }
}
