package dev.reprise.contracts.room;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Data of {@code dev.reprise.room.speaker.invited.v1}: the host invited a listener to speak. The listener is not a
 * speaker until {@link SpeakerAdded}.
 *
 * @param roomId    the room id
 * @param userId    the invited listener
 * @param invitedBy user id of the host who sent the invitation
 * @param invitedAt when the invitation was sent
 */
public record SpeakerInvited(UUID roomId, String userId, String invitedBy, Instant invitedAt) {

    public SpeakerInvited {
        Objects.requireNonNull(roomId, "roomId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(invitedBy, "invitedBy");
        Objects.requireNonNull(invitedAt, "invitedAt");
    }
}
