package dev.reprise.contracts.recording;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Data of {@code dev.reprise.recording.deleted.v1}: a recording is gone. Every object of every version of it has been
 * removed from object storage. Derived data must follow: its transcripts are deleted; what happens to its clips
 * depends on {@code reason} (see {@link DeletionReason}).
 *
 * @param recordingId the recording id
 * @param roomId      the room id (also the record key and {@code ce_subject})
 * @param hostId      user id of the room's host
 * @param reason      why the recording was deleted, which decides what happens to its clips
 * @param deletedAt   when the last object of the recording was removed
 */
public record RecordingDeleted(
        UUID recordingId,
        UUID roomId,
        String hostId,
        DeletionReason reason,
        Instant deletedAt) {

    public RecordingDeleted {
        Objects.requireNonNull(recordingId, "recordingId");
        Objects.requireNonNull(roomId, "roomId");
        Objects.requireNonNull(hostId, "hostId");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(deletedAt, "deletedAt");
    }
}
