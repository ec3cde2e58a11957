package dev.reprise.recording;

import dev.reprise.contracts.room.RetentionPolicy;
import dev.reprise.contracts.room.RoomSettings;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A room as recording-service needs it: may it be recorded, and how long does its recording live. */
@Entity
@Table(name = "room_policy")
public class RoomRecordingPolicy {

    public enum Status { CREATED, LIVE, ENDED }

    @Id
    @Column(name = "room_id")
    public UUID roomId;

    @Column(name = "host_id", nullable = false)
    public String hostId;

    @Column(name = "recording_enabled", nullable = false)
    public boolean recordingEnabled;

    @Column(name = "transcription_enabled", nullable = false)
    public boolean transcriptionEnabled;

    @Column(name = "clips_allowed", nullable = false)
    public boolean clipsAllowed;

    @Enumerated(EnumType.STRING)
    @Column(name = "retention_policy", nullable = false)
    public RetentionPolicy retentionPolicy;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Status status;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "ended_at")
    public Instant endedAt;

    public static RoomRecordingPolicy of(UUID roomId, String hostId, RoomSettings settings) {
        RoomRecordingPolicy policy = new RoomRecordingPolicy();
        policy.roomId = roomId;
        policy.hostId = hostId;
        policy.status = Status.CREATED;
        policy.apply(settings);
        return policy;
    }

    public void apply(RoomSettings settings) {
        recordingEnabled = settings.recordingEnabled();
        transcriptionEnabled = settings.transcriptionEnabled();
        clipsAllowed = settings.clipsAllowed();
        retentionPolicy = settings.retentionPolicy();
    }
}
