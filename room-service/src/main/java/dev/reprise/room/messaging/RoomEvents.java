package dev.reprise.room.messaging;

import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.room.LeaveReason;
import dev.reprise.contracts.room.ParticipantJoined;
import dev.reprise.contracts.room.ParticipantLeft;
import dev.reprise.contracts.room.RoomCreated;
import dev.reprise.contracts.room.RoomEnded;
import dev.reprise.contracts.room.RoomStarted;
import dev.reprise.contracts.room.SpeakerAdded;
import dev.reprise.contracts.room.SpeakerConsentChanged;
import dev.reprise.contracts.room.SpeakerInvited;
import dev.reprise.platform.outbox.Outbox;
import dev.reprise.room.Participant;
import dev.reprise.room.Room;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;

/**
 * Announces room changes through the outbox, in the transaction that makes them: Hibernate Reactive's, or on
 * the presence path an {@link Outbox.Entry} that the change's own statement writes; keyed by room id.
 */
@ApplicationScoped
public class RoomEvents {

    private final Outbox outbox;

    public RoomEvents(Outbox outbox) {
        this.outbox = outbox;
    }

    public Uni<Void> created(Room room) {
        return outbox.add(EventCatalog.ROOM_CREATED, key(room),
                new RoomCreated(room.id, room.hostId, room.title, room.settings(), room.createdAt), room.createdAt)
                .replaceWithVoid();
    }

    public Uni<Void> started(Room room) {
        return outbox.add(EventCatalog.ROOM_STARTED, key(room),
                new RoomStarted(room.id, room.hostId, room.settings(), room.startedAt), room.startedAt)
                .replaceWithVoid();
    }

    /** For the presence path, which writes it in its own statement. */
    public Outbox.Entry joined(Participant participant) {
        return outbox.entry(EventCatalog.PARTICIPANT_JOINED, participant.roomId.toString(),
                new ParticipantJoined(participant.roomId, participant.userId, participant.role, participant.joinedAt),
                participant.joinedAt);
    }

    public Uni<Void> invited(Room room, Participant participant, String invitedBy) {
        return outbox.add(EventCatalog.SPEAKER_INVITED, key(room),
                new SpeakerInvited(room.id, participant.userId, invitedBy, participant.invitedAt),
                participant.invitedAt).replaceWithVoid();
    }

    public Uni<Void> speakerAdded(Room room, Participant participant, Instant at) {
        return outbox.add(EventCatalog.SPEAKER_ADDED, key(room),
                new SpeakerAdded(room.id, participant.userId, participant.recordingConsent, at), at)
                .replaceWithVoid();
    }

    public Uni<Void> speakerConsentChanged(Room room, Participant participant, Instant at) {
        return outbox.add(EventCatalog.SPEAKER_CONSENT_CHANGED, key(room),
                new SpeakerConsentChanged(room.id, participant.userId, participant.recordingConsent, at), at)
                .replaceWithVoid();
    }

    /** For the presence path, which writes it in its own statement. */
    public Outbox.Entry left(Participant participant, LeaveReason reason, String removedBy) {
        return outbox.entry(EventCatalog.PARTICIPANT_LEFT, participant.roomId.toString(),
                new ParticipantLeft(participant.roomId, participant.userId, participant.role, reason, removedBy,
                        participant.leftAt), participant.leftAt);
    }

    public Uni<Void> ended(Room room) {
        return outbox.add(EventCatalog.ROOM_ENDED, key(room),
                new RoomEnded(room.id, room.hostId, room.endReason, room.retentionPolicy, room.startedAt,
                        room.endedAt), room.endedAt).replaceWithVoid();
    }

    private static String key(Room room) {
        return room.id.toString();
    }
}
