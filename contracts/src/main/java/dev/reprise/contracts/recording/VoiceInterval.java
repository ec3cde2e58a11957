package dev.reprise.contracts.recording;

/**
 * A stretch of time in which a speaker's voice is heard. Positions are milliseconds from the recording's
 * {@link RecordingFinalized#startedAt() startedAt} (its time zero); the interval is half-open,
 * {@code [startMs, endMs)}.
 *
 * @param startMs where the voice starts, in milliseconds from {@code startedAt}; {@code 0 <= startMs}
 * @param endMs   where the voice ends (exclusive), in milliseconds from {@code startedAt}; {@code startMs < endMs}
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
