package dev.reprise.room.rest;

import dev.reprise.contracts.room.RetentionPolicy;
import dev.reprise.contracts.room.RoomSettings;
import dev.reprise.platform.security.UserId;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/** Request bodies of the room API. Unknown fields are rejected, so a misspelt setting is never ignored. */
public final class RoomRequests {

    private RoomRequests() {
    }

    /** Settings left out take privacy-first defaults: nothing recorded, 30-day moderation retention. */
    public record SettingsRequest(Boolean recording, Boolean transcription, Boolean clipsAllowed,
            RetentionPolicy retentionPolicy) {
        RoomSettings toSettings() {
            return new RoomSettings(Boolean.TRUE.equals(recording), Boolean.TRUE.equals(transcription),
                    Boolean.TRUE.equals(clipsAllowed),
                    retentionPolicy == null ? RetentionPolicy.MODERATION_30D : retentionPolicy);
        }
    }

    public record CreateRoomRequest(
            @NotBlank(message = "must not be blank") @Size(max = 120, message = "must be at most 120 characters") String title,
            @Valid SettingsRequest settings) {
        RoomSettings roomSettings() {
            return settings == null ? new SettingsRequest(null, null, null, null).toSettings() : settings.toSettings();
        }
    }

    public record InviteRequest(@UserId String userId) {
    }

    public record RecordingConsentRequest(@NotNull(message = "is required: say whether you agree to be recorded") Boolean recordingConsent) {
    }

    public record AcceptInvitationRequest(@NotNull(message = "is required: say whether you agree to be recorded") Boolean recordingConsent) {
    }
}
