package dev.reprise.contracts.room;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Data of {@code dev.reprise.room.speaker.consent.changed.v1}: a speaker changed their mind about being recorded
 * while in the room. From {@code changedAt} on, their audio is recorded only if {@code recordingConsent} is true;
 * what was recorded before stays under the consent given then.
 *
 * @param roomId           the room id
 * @param userId           the speaker
 * @param recordingConsent whether the speaker now consents to being recorded
 * @param changedAt        when the speaker said so
 */
public record SpeakerConsentChanged(UUID roomId, String userId, boolean recordingConsent, Instant changedAt) {

    public SpeakerConsentChanged {
        Objects.requireNonNull(roomId, "roomId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(changedAt, "changedAt");
    }
}
