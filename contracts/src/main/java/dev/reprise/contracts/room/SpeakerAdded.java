package dev.reprise.contracts.room;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Data of {@code dev.reprise.room.speaker.added.v1}: a listener accepted an invitation and is now a speaker.
 *
 * @param roomId           the room id
 * @param userId           the new speaker
 * @param recordingConsent whether the speaker consented to being recorded; {@code false} means this speaker's
 *                         audio must never be recorded
 * @param becameSpeakerAt  when the user became a speaker
 */
public record SpeakerAdded(UUID roomId, String userId, boolean recordingConsent, Instant becameSpeakerAt) {

    public SpeakerAdded {
        Objects.requireNonNull(roomId, "roomId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(becameSpeakerAt, "becameSpeakerAt");
    }
}
