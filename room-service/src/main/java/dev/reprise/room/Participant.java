package dev.reprise.room;

import dev.reprise.contracts.room.ParticipantRole;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** Someone who has been in a room; one row per user and room, reused when they come back. */
@Entity
@Table(name = "participant")
public class Participant {

    @Id
    public UUID id;

    @Column(name = "room_id", nullable = false)
    public UUID roomId;

    @Column(name = "user_id", nullable = false)
    public String userId;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public ParticipantRole role;

    @Column(nullable = false)
    public boolean present;

    @Column(name = "joined_at", nullable = false)
    public Instant joinedAt;

    @Column(name = "left_at")
    public Instant leftAt;

    /** Set while the host's invitation to speak is open. */
    @Column(name = "invited_at")
    public Instant invitedAt;

    /** What the speaker said when they accepted; null for hosts and listeners. */
    @Column(name = "recording_consent")
    public Boolean recordingConsent;

    public static Participant arrive(UUID roomId, String userId, ParticipantRole role, Instant now) {
        Participant participant = new Participant();
        participant.id = UUID.randomUUID();
        participant.roomId = roomId;
        participant.userId = userId;
        participant.rejoin(role, now);
        return participant;
    }

    /** Coming back starts afresh: a speaker who left returns as a listener and must be invited again. */
    public Participant rejoin(ParticipantRole asRole, Instant now) {
        role = asRole;
        present = true;
        joinedAt = now;
        leftAt = null;
        invitedAt = null;
        recordingConsent = null;
        return this;
    }

    public void leave(Instant now) {
        present = false;
        leftAt = now;
        invitedAt = null;
    }

    public boolean isInvited() {
        return invitedAt != null;
    }

    public void becomeSpeaker(boolean consent) {
        role = ParticipantRole.SPEAKER;
        recordingConsent = consent;
        invitedAt = null;
    }
}
