package dev.reprise.room;

import dev.reprise.contracts.room.EndReason;
import dev.reprise.contracts.room.RetentionPolicy;
import dev.reprise.contracts.room.RoomSettings;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/** A live audio room. Every change to it or its participants happens with its row locked, one at a time. */
@Entity
@Table(name = "room")
public class Room {

    @Id
    public UUID id;

    @Column(name = "host_id", nullable = false)
    public String hostId;

    @Column(nullable = false)
    public String title;

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
    public RoomStatus status;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "ended_at")
    public Instant endedAt;

    @Enumerated(EnumType.STRING)
    @Column(name = "end_reason")
    public EndReason endReason;

    @Column(name = "host_absent_since")
    public Instant hostAbsentSince;

    public static Room create(String hostId, String title, RoomSettings settings, Instant now) {
        Room room = new Room();
        room.id = UUID.randomUUID();
        room.hostId = hostId;
        room.title = title;
        room.recordingEnabled = settings.recordingEnabled();
        room.transcriptionEnabled = settings.transcriptionEnabled();
        room.clipsAllowed = settings.clipsAllowed();
        room.retentionPolicy = settings.retentionPolicy();
        room.status = RoomStatus.CREATED;
        room.createdAt = now;
        return room;
    }

    public RoomSettings settings() {
        return new RoomSettings(recordingEnabled, transcriptionEnabled, clipsAllowed, retentionPolicy);
    }

    public boolean isHost(String userId) {
        return hostId.equals(userId);
    }

    public boolean hasEnded() {
        return status == RoomStatus.ENDED;
    }

    public void start(Instant now) {
        status = RoomStatus.LIVE;
        startedAt = now;
    }

    public void end(EndReason reason, Instant now) {
        status = RoomStatus.ENDED;
        endedAt = now;
        endReason = reason;
        hostAbsentSince = null;
    }

    public boolean hostAbsentLongerThan(Duration grace, Instant now) {
        return !hasEnded() && hostAbsentSince != null && hostAbsentSince.plus(grace).isBefore(now);
    }
}
