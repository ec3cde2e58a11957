package dev.reprise.contracts.room;

import jakarta.annotation.Nullable;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Data of {@code dev.reprise.room.ended.v1}: a room ended. No events of the room follow.
 *
 * @param roomId          the room id
 * @param hostId          user id of the host
 * @param reason          why the room ended
 * @param retentionPolicy what happens to the room's recording now (the policy in force when the room ended)
 * @param startedAt       when the room went live; absent if it ended without ever starting
 * @param endedAt         when the room ended
 */
public record RoomEnded(
        UUID roomId,
        String hostId,
        EndReason reason,
        RetentionPolicy retentionPolicy,
        @Nullable Instant startedAt,
        Instant endedAt) {

    public RoomEnded {
        Objects.requireNonNull(roomId, "roomId");
        Objects.requireNonNull(hostId, "hostId");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(retentionPolicy, "retentionPolicy");
        Objects.requireNonNull(endedAt, "endedAt");
    }
}
