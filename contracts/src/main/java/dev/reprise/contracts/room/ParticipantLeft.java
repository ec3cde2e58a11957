package dev.reprise.contracts.room;

import jakarta.annotation.Nullable;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Data of {@code dev.reprise.room.participant.left.v1}: a participant left a room or was removed from it.
 *
 * @param roomId    the room id
 * @param userId    the user who left
 * @param role      the user's role at the moment they left
 * @param reason    whether the user left or was removed
 * @param removedBy user id of the host who removed the user; present only when {@code reason} is
 *                  {@link LeaveReason#REMOVED}
 * @param leftAt    when the user left
 */
public record ParticipantLeft(
        UUID roomId,
        String userId,
        ParticipantRole role,
        LeaveReason reason,
        @Nullable String removedBy,
        Instant leftAt) {

    public ParticipantLeft {
        Objects.requireNonNull(roomId, "roomId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(leftAt, "leftAt");
    }
}
