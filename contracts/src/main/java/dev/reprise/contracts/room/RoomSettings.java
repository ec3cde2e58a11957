package dev.reprise.contracts.room;

import java.util.Objects;

/**
 * Settings chosen by the host for a room.
 *
 * @param recordingEnabled     whether the room may be recorded (speakers are only recorded with their consent)
 * @param transcriptionEnabled whether recordings of the room are transcribed
 * @param clipsAllowed         whether listeners may cut clips from the recording
 * @param retentionPolicy      what happens to the recording after the room ends
 */
public record RoomSettings(
        boolean recordingEnabled,
        boolean transcriptionEnabled,
        boolean clipsAllowed,
        RetentionPolicy retentionPolicy) {

    public RoomSettings {
        Objects.requireNonNull(retentionPolicy, "retentionPolicy");
    }
}
