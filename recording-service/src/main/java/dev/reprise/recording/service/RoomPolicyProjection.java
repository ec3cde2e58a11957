package dev.reprise.recording.service;

import dev.reprise.contracts.room.RoomCreated;
import dev.reprise.contracts.room.RoomEnded;
import dev.reprise.contracts.room.RoomStarted;
import dev.reprise.contracts.room.SpeakerAdded;
import dev.reprise.platform.inbox.IncomingEvent;
import dev.reprise.platform.inbox.PoisonEventException;
import dev.reprise.recording.RoomRecordingPolicy;
import dev.reprise.recording.SpeakerConsent;
import dev.reprise.recording.repository.RoomPolicyRepository;
import dev.reprise.recording.repository.SpeakerConsentRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Keeps each room's recording policy and its speakers' consent statements in step with room-service. Each
 * handler runs inside the inbox transaction. An event that needs a room this projection never saw is never
 * dropped: where the event carries enough to build the room it does, otherwise it is dead-lettered with the
 * reason, so it can be replayed once its room is known.
 */
@ApplicationScoped
public class RoomPolicyProjection {

    private final RoomPolicyRepository policies;
    private final SpeakerConsentRepository consents;

    public RoomPolicyProjection(RoomPolicyRepository policies, SpeakerConsentRepository consents) {
        this.policies = policies;
        this.consents = consents;
    }

    public Uni<Void> created(RoomCreated created, IncomingEvent event) {
        return policies.findById(created.roomId()).flatMap(existing -> existing != null
                ? Uni.createFrom().voidItem()
                : policies.persist(RoomRecordingPolicy.of(created.roomId(), created.hostId(), created.settings()))
                        .replaceWithVoid());
    }

    /** Carries the host and the settings, so a room whose creation was never seen is built from it. */
    public Uni<Void> started(RoomStarted started, IncomingEvent event) {
        return policies.findById(started.roomId()).flatMap(found -> {
            RoomRecordingPolicy policy = found != null ? found
                    : RoomRecordingPolicy.of(started.roomId(), started.hostId(), started.settings());
            policy.apply(started.settings());
            policy.status = RoomRecordingPolicy.Status.LIVE;
            policy.startedAt = started.startedAt();
            return found != null ? Uni.createFrom().voidItem() : policies.persist(policy).replaceWithVoid();
        });
    }

    public Uni<Void> speakerAdded(SpeakerAdded added, IncomingEvent event) {
        SpeakerConsent consent = new SpeakerConsent();
        consent.roomId = added.roomId();
        consent.userId = added.userId();
        consent.recordingConsent = added.recordingConsent();
        consent.statedAt = added.becameSpeakerAt();
        consent.eventId = event.id();
        return consents.persist(consent).replaceWithVoid();
    }

    public Uni<Void> ended(RoomEnded ended, IncomingEvent event) {
        return policies.findById(ended.roomId()).invoke(policy -> {
            if (policy == null) {
                throw new PoisonEventException("Room " + ended.roomId() + " ended, but its creation was never applied"
                        + " here; replay this event once the room is known");
            }
            policy.status = RoomRecordingPolicy.Status.ENDED;
            policy.endedAt = ended.endedAt();
        }).replaceWithVoid();
    }
}
