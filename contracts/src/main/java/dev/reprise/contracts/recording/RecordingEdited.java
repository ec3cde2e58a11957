package dev.reprise.contracts.recording;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Data of {@code dev.reprise.recording.edited.v1}: the host made a new version of a recording by trimming its start
 * and end and cutting ranges out of it. The edit is non-destructive: the source version and earlier ones stay stored
 * while the recording's retention requires them; the new version is the one listeners replay.
 *
 * <p>{@code keptRanges} map the source version's time line onto the new one, so derived data (transcripts, clips)
 * re-time itself from them without processing audio again: a source position {@code p} in a kept range {@code r} is
 * at {@code r.targetStartMs() + (p - r.sourceStartMs())}, and a position in no kept range was cut. The new version
 * is the kept ranges back to back: they are in source order, do not overlap, the first is at position 0 of the new
 * version and each next one starts where the previous one ends, so {@code durationMs} is the sum of their lengths.
 * Every other time position in the event (voice intervals) is in milliseconds from the new version's start.
 *
 * @param recordingId   the recording id (the same for every version)
 * @param roomId        the room id (also the record key and {@code ce_subject})
 * @param hostId        user id of the room's host, who made the edit
 * @param version       the new version of the recording; at least 2
 * @param sourceVersion the version the new one was cut from; at least 1 and less than {@code version}
 * @param keptRanges    the stretches of the source version that the new version keeps, in order; at least one (see
 *                      above)
 * @param durationMs    length of the new version (its mix audio) in milliseconds: the sum of the kept ranges'
 *                      lengths
 * @param loudnessLufs  integrated loudness (ITU-R BS.1770 / EBU R128) of the new version's mix files as delivered,
 *                      i.e. after normalization, in LUFS; always finite: silence reports -70, as ffmpeg's ebur128
 *                      filter does
 * @param bucket        the object storage bucket holding every file's object
 * @param files         the stored files of the new version; at least one
 * @param speakers      one timeline per recorded speaker of the source version, on the new version's time line;
 *                      possibly without intervals (e.g. if all of a speaker's voice was cut)
 * @param editedAt      when the new version was made (built and stored)
 */
public record RecordingEdited(
        UUID recordingId,
        UUID roomId,
        String hostId,
        int version,
        int sourceVersion,
        List<KeptRange> keptRanges,
        long durationMs,
        double loudnessLufs,
        String bucket,
        List<RecordingFile> files,
        List<SpeakerTimeline> speakers,
        Instant editedAt) {

    public RecordingEdited {
        Objects.requireNonNull(recordingId, "recordingId");
        Objects.requireNonNull(roomId, "roomId");
        Objects.requireNonNull(hostId, "hostId");
        Objects.requireNonNull(keptRanges, "keptRanges");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(files, "files");
        Objects.requireNonNull(speakers, "speakers");
        Objects.requireNonNull(editedAt, "editedAt");
        keptRanges = List.copyOf(keptRanges);
        files = List.copyOf(files);
        speakers = List.copyOf(speakers);
        if (version < 2) {
            throw new IllegalArgumentException("an edited version is at least 2: " + version);
        }
        if (sourceVersion < 1 || sourceVersion >= version) {
            throw new IllegalArgumentException(
                    "sourceVersion must be at least 1 and less than version " + version + ": " + sourceVersion);
        }
        checkKeptRanges(keptRanges, durationMs);
        if (!Double.isFinite(loudnessLufs)) {
            throw new IllegalArgumentException("loudnessLufs must be finite: " + loudnessLufs);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("a recording version has at least one file");
        }
    }

    /** In source order, not overlapping, back to back in the new version from 0, adding up to {@code durationMs}. */
    private static void checkKeptRanges(List<KeptRange> keptRanges, long durationMs) {
        if (keptRanges.isEmpty()) {
            throw new IllegalArgumentException("an edit keeps at least one range");
        }
        long targetEnd = 0;
        KeptRange previous = null;
        for (KeptRange range : keptRanges) {
            if (previous != null && range.sourceStartMs() < previous.sourceEndMs()) {
                throw new IllegalArgumentException("kept ranges must be in source order and must not overlap: "
                        + previous + " then " + range);
            }
            if (range.targetStartMs() != targetEnd) {
                throw new IllegalArgumentException(previous == null
                        ? "the first kept range must start at 0 in the new version: " + range
                        : "kept range " + range + " must start at " + targetEnd
                                + " in the new version, where the previous one ends: " + previous);
            }
            // No overflow: the ranges do not overlap within [0, Long.MAX_VALUE], so their lengths add up to less.
            targetEnd += range.lengthMs();
            previous = range;
        }
        if (durationMs != targetEnd) {
            throw new IllegalArgumentException(
                    "durationMs " + durationMs + " must be the sum of the kept ranges' lengths, " + targetEnd);
        }
    }
}
