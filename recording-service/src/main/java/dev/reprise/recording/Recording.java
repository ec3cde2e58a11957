package dev.reprise.recording;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A room's recording: made when a room with recording on goes live; its time zero is the room's start. */
@Entity
@Table(name = "recording")
public class Recording {

    public enum Status { RECORDING, PROCESSING, READY, FAILED, DELETING, DELETED }

    @Id
    public UUID id;

    @Column(name = "room_id", nullable = false, unique = true)
    public UUID roomId;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Status status;

    @Column(name = "started_at", nullable = false)
    public Instant startedAt;

    @Column(name = "ended_at")
    public Instant endedAt;

    /** The retention policy the room ended under (null while it is live). */
    @Enumerated(EnumType.STRING)
    @Column(name = "retention_policy")
    public dev.reprise.contracts.room.RetentionPolicy retentionPolicy;

    public static Recording startedWith(UUID roomId, Instant startedAt) {
        Recording recording = new Recording();
        recording.id = UUID.randomUUID();
        recording.roomId = roomId;
        recording.status = Status.RECORDING;
        recording.startedAt = startedAt;
        return recording;
    }
}
