package dev.reprise.room;

import dev.reprise.contracts.room.ParticipantRole;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One line of a room's story: who did what, when. */
@Entity
@Table(name = "timeline_entry")
public class TimelineEntry {

    public enum Kind {
        ROOM_CREATED, ROOM_STARTED, JOINED, INVITED_TO_SPEAK, BECAME_SPEAKER, RECORDING_CONSENT_CHANGED, LEFT, REMOVED,
        ROOM_ENDED
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "room_id", nullable = false)
    public UUID roomId;

    @Column(nullable = false)
    public Instant at;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Kind kind;

    /** Who it concerns: the participant, or the host for room-level entries. */
    @Column(name = "user_id", nullable = false)
    public String userId;

    @Enumerated(EnumType.STRING)
    public ParticipantRole role;

    public String detail;

    public static TimelineEntry of(UUID roomId, Instant at, Kind kind, String userId, ParticipantRole role,
            String detail) {
        TimelineEntry entry = new TimelineEntry();
        entry.roomId = roomId;
        entry.at = at;
        entry.kind = kind;
        entry.userId = userId;
        entry.role = role;
        entry.detail = detail;
        return entry;
    }
}
