package dev.reprise.recording;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A speaker's statement on being recorded; the latest one for a room decides. Never updated. */
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

    /** The CloudEvents id of the event that carried it. */
    @Column(name = "event_id", nullable = false)
    public String eventId;
}
