package dev.reprise.contracts.recording;

/**
 * A stretch of a recording's source version that an edit kept: the half-open interval
 * {@code [sourceStartMs, sourceEndMs)} of the source version's time line, which is at {@code targetStartMs} on the
 * new version's time line (and keeps its length). A position {@code p} of the source version with
 * {@code sourceStartMs <= p < sourceEndMs} is at {@code targetStartMs + (p - sourceStartMs)} in the new version;
 * a position in no kept range was cut.
 *
 * @param sourceStartMs where the kept stretch starts, in milliseconds on the source version's time line (for version
 *                      1, from the recording's {@code startedAt}); {@code 0 <= sourceStartMs}
 * @param sourceEndMs   where the kept stretch ends (exclusive), in milliseconds on the source version's time line;
 *                      {@code sourceStartMs < sourceEndMs}
 * @param targetStartMs where the kept stretch starts in the new version, in milliseconds from the new version's
 *                      start; {@code 0 <= targetStartMs}
 */
public record KeptRange(long sourceStartMs, long sourceEndMs, long targetStartMs) {

    public KeptRange {
        if (sourceStartMs < 0) {
            throw new IllegalArgumentException("sourceStartMs must not be negative: " + sourceStartMs);
        }
        if (sourceEndMs <= sourceStartMs) {
            throw new IllegalArgumentException(
                    "sourceEndMs must be after sourceStartMs: [" + sourceStartMs + ", " + sourceEndMs + ")");
        }
        if (targetStartMs < 0) {
            throw new IllegalArgumentException("targetStartMs must not be negative: " + targetStartMs);
        }
    }

    /** Length of the kept stretch in milliseconds, the same on both time lines: {@code sourceEndMs - sourceStartMs}. */
    public long lengthMs() {
        return sourceEndMs - sourceStartMs;
    }
}
