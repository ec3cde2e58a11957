package dev.reprise.recording.service;

import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.room.RoomCreated;
import dev.reprise.contracts.room.RoomEnded;
import dev.reprise.contracts.room.RoomStarted;
import dev.reprise.contracts.room.SpeakerAdded;
import dev.reprise.platform.inbox.IncomingEvent;
import dev.reprise.recording.RoomRecordingPolicy;
import dev.reprise.recording.SpeakerConsent;
import dev.reprise.recording.repository.RoomPolicyRepository;
import dev.reprise.recording.repository.SpeakerConsentRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;
import org.jboss.logging.Logger;

/** Keeps each room's recording policy and its speakers' consent statements in step with room-service. */
@ApplicationScoped
public class RoomPolicyProjection {

    private static final Logger LOG = Logger.getLogger(RoomPolicyProjection.class);

    private final RoomPolicyRepository policies;
    private final SpeakerConsentRepository consents;

    public RoomPolicyProjection(RoomPolicyRepository policies, SpeakerConsentRepository consents) {
        this.policies = policies;
        this.consents = consents;
    }

    /** Applies one room event; runs inside the inbox transaction. Types it does not need are skipped. */
    public Uni<Void> apply(IncomingEvent event) {
        String type = event.type();
        if (type.equals(EventCatalog.ROOM_CREATED.type())) {
            RoomCreated created = event.data(EventCatalog.ROOM_CREATED);
            return policies.findById(created.roomId()).flatMap(existing -> existing != null
                    ? Uni.createFrom().voidItem()
                    : policies.persist(RoomRecordingPolicy.of(created.roomId(), created.hostId(), created.settings()))
                            .replaceWithVoid());
        }
        if (type.equals(EventCatalog.ROOM_STARTED.type())) {
            RoomStarted started = event.data(EventCatalog.ROOM_STARTED);
            return withPolicy(started.roomId(), policy -> {
                policy.apply(started.settings());
                policy.status = RoomRecordingPolicy.Status.LIVE;
                policy.startedAt = started.startedAt();
            });
        }
        if (type.equals(EventCatalog.SPEAKER_ADDED.type())) {
            SpeakerAdded added = event.data(EventCatalog.SPEAKER_ADDED);
            SpeakerConsent consent = new SpeakerConsent();
            consent.roomId = added.roomId();
            consent.userId = added.userId();
            consent.recordingConsent = added.recordingConsent();
            consent.statedAt = added.becameSpeakerAt();
            consent.eventId = event.id();
            return consents.persist(consent).replaceWithVoid();
        }
        if (type.equals(EventCatalog.ROOM_ENDED.type())) {
            RoomEnded ended = event.data(EventCatalog.ROOM_ENDED);
            return withPolicy(ended.roomId(), policy -> {
                policy.status = RoomRecordingPolicy.Status.ENDED;
                policy.endedAt = ended.endedAt();
            });
        }
        return Uni.createFrom().voidItem();
    }

    private Uni<Void> withPolicy(UUID roomId, java.util.function.Consumer<RoomRecordingPolicy> change) {
        return policies.findById(roomId).invoke(policy -> {
            if (policy == null) {
                // Events of one room are ordered, so this means the room was created before we subscribed.
                LOG.warnf("No policy for room %s; event ignored", roomId);
            } else {
                change.accept(policy);
            }
        }).replaceWithVoid();
    }
}
