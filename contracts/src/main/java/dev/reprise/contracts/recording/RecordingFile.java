package dev.reprise.contracts.recording;

import jakarta.annotation.Nullable;

import java.util.Objects;

/**
 * One stored file of a recording: an object in the recording's bucket.
 *
 * @param name        file name within the recording, e.g. {@code mix.mp3}
 * @param kind        what the file holds
 * @param speakerId   user id of the speaker whose audio the file is; present exactly when {@code kind} is
 *                    {@link RecordingFileKind#TRACK}
 * @param objectKey   key of the object in the recording's bucket
 * @param contentType media type of the object, e.g. {@code audio/mpeg}
 * @param bytes       size of the object in bytes
 */
public record RecordingFile(
        String name,
        RecordingFileKind kind,
        @Nullable String speakerId,
        String objectKey,
        String contentType,
        long bytes) {

    public RecordingFile {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(objectKey, "objectKey");
        Objects.requireNonNull(contentType, "contentType");
        if ((kind == RecordingFileKind.TRACK) != (speakerId != null)) {
            throw new IllegalArgumentException(kind == RecordingFileKind.TRACK
                    ? "a TRACK file needs a speakerId: " + name
                    : "only a TRACK file has a speakerId, not " + kind + " file " + name);
        }
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must not be negative: " + bytes);
        }
    }
}
