package dev.reprise.contracts.room;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Data of {@code dev.reprise.room.participant.joined.v1}: a user joined a room.
 *
 * @param roomId   the room id
 * @param userId   the user who joined
 * @param role     the role the user joined with
 * @param joinedAt when the user joined
 */
public record ParticipantJoined(UUID roomId, String userId, ParticipantRole role, Instant joinedAt) {

    public ParticipantJoined {
        Objects.requireNonNull(roomId, "roomId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(joinedAt, "joinedAt");
    }
}
