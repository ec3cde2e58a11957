package dev.reprise.contracts.recording;

/**
 * A stretch of time in which a speaker's voice is heard. Positions are milliseconds on the time line of the
 * recording version the event describes: from the recording's {@link RecordingFinalized#startedAt() startedAt} (its
 * time zero) in {@link RecordingFinalized}, from the start of the new version in {@link RecordingEdited}. The
 * interval is half-open, {@code [startMs, endMs)}.
 *
 * @param startMs where the voice starts, in milliseconds from time zero; {@code 0 <= startMs}
 * @param endMs   where the voice ends (exclusive), in milliseconds from time zero; {@code startMs < endMs}
 */
public record VoiceInterval(long startMs, long endMs) {

    public VoiceInterval {
        if (startMs < 0) {
            throw new IllegalArgumentException("startMs must not be negative: " + startMs);
        }
        if (endMs <= startMs) {
            throw new IllegalArgumentException("endMs must be after startMs: [" + startMs + ", " + endMs + ")");
        }
    }
}
