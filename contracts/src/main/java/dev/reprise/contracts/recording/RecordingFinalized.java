package dev.reprise.contracts.recording;

import dev.reprise.contracts.room.RetentionPolicy;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Data of {@code dev.reprise.recording.finalized.v1}: a room's recording was built and stored. Every time position
 * in it (voice intervals) is in milliseconds from {@code startedAt}.
 *
 * @param recordingId     the recording id
 * @param roomId          the room id (also the record key and {@code ce_subject})
 * @param hostId          user id of the room's host
 * @param version         version of the recording: 1 for the first build; edits make later versions
 * @param startedAt       when the room went live: time zero of every time position in the recording
 * @param endedAt         when the room ended; not before {@code startedAt}
 * @param durationMs      length of the recording (its mix audio) in milliseconds, from position 0 at {@code startedAt}
 * @param loudnessLufs    integrated loudness (ITU-R BS.1770 / EBU R128) of the mix files as delivered, i.e. after
 *                        normalization, in LUFS; always finite: a recording with nothing above the absolute gate
 *                        (silence) reports -70, as ffmpeg's ebur128 filter does
 * @param retentionPolicy what happens to the recording (the room's policy in force when the room ended)
 * @param bucket          the object storage bucket holding every file's object
 * @param files           the stored files of the recording; at least one
 * @param speakers        one timeline per recorded speaker, possibly without intervals
 * @param finalizedAt     when the recording was finalized (built and stored)
 */
public record RecordingFinalized(
        UUID recordingId,
        UUID roomId,
        String hostId,
        int version,
        Instant startedAt,
        Instant endedAt,
        long durationMs,
        double loudnessLufs,
        RetentionPolicy retentionPolicy,
        String bucket,
        List<RecordingFile> files,
        List<SpeakerTimeline> speakers,
        Instant finalizedAt) {

    public RecordingFinalized {
        Objects.requireNonNull(recordingId, "recordingId");
        Objects.requireNonNull(roomId, "roomId");
        Objects.requireNonNull(hostId, "hostId");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(endedAt, "endedAt");
        Objects.requireNonNull(retentionPolicy, "retentionPolicy");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(files, "files");
        Objects.requireNonNull(speakers, "speakers");
        Objects.requireNonNull(finalizedAt, "finalizedAt");
        files = List.copyOf(files);
        speakers = List.copyOf(speakers);
        if (version < 1) {
            throw new IllegalArgumentException("version must be at least 1: " + version);
        }
        if (endedAt.isBefore(startedAt)) {
            throw new IllegalArgumentException("endedAt " + endedAt + " is before startedAt " + startedAt);
        }
        if (durationMs < 0) {
            throw new IllegalArgumentException("durationMs must not be negative: " + durationMs);
        }
        if (!Double.isFinite(loudnessLufs)) {
            throw new IllegalArgumentException("loudnessLufs must be finite: " + loudnessLufs);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("a recording has at least one file");
        }
    }
}
