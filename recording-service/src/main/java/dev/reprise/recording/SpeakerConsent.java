package dev.reprise.recording;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * A statement on whether a speaker may be recorded, from a given moment; the latest one before a moment decides for
 * that moment. Never updated: the evidence of what each speaker agreed to, and when.
 */
@Entity
@Table(name = "speaker_consent")
public class SpeakerConsent {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "room_id", nullable = false)
    public UUID roomId;

    @Column(name = "user_id", nullable = false)
    public String userId;

    @Column(name = "recording_consent", nullable = false)
    public boolean recordingConsent;

    @Column(name = "stated_at", nullable = false)
    public Instant statedAt;

    /** Why it was stated. */
    public enum Reason {
        /** The host, by going live with recording on. */
        HOST,
        /** A listener became a speaker and said yes or no. */
        SPEAKER_ADDED,
        /** A speaker changed their mind mid-room. */
        CHANGED,
        /** A speaker left the room: what they agreed to ends with that stint. */
        LEFT
    }

    @jakarta.persistence.Enumerated(jakarta.persistence.EnumType.STRING)
    @Column(nullable = false)
    public Reason reason;

    /** The CloudEvents id of the event that carried it. */
    @Column(name = "event_id", nullable = false)
    public String eventId;
}
