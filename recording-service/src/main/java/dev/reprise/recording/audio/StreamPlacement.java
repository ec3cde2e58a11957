package dev.reprise.recording.audio;

/**
 * Places a stream that carries no timestamps (LiveKit's WebSocket egress) on the recording's time line, in samples
 * from its time zero. Audio continues where the stream's own sample count says while it arrives on time (within
 * the jitter tolerance); audio arriving later than that, after a mute or a stall, is placed by its arrival, so
 * the pause stays a pause instead of pulling what follows earlier. A burst after a stall is audio produced during
 * the stall and continues the count. A reconnected stream never overlaps what its track already holds.
 */
public final class StreamPlacement {

    private final long toleranceSamples;
    private long floor;
    private long next = -1;

    /**
     * @param toleranceSamples how far behind its arrival time a stream may run before it is re-anchored
     * @param floor            the end of what the track already holds (0 for a new track)
     */
    public StreamPlacement(long toleranceSamples, long floor) {
        this.toleranceSamples = toleranceSamples;
        this.floor = floor;
    }

    /**
     * Where a frame of {@code samples} that arrived at {@code arrivalSample} (the recording's time, in samples)
     * begins.
     */
    public long place(long arrivalSample, int samples) {
        long byArrival = Math.max(floor, arrivalSample - samples);
        if (next < 0 || byArrival > next + toleranceSamples) {
            next = byArrival;
        }
        long start = next;
        next += samples;
        floor = next;
        return start;
    }

    /**
     * The stream paused (muted or unmuted): its next audio is placed by its arrival, however soon it comes, so a
     * mute shorter than the tolerance does not pull what follows earlier.
     */
    public void reanchor() {
        next = -1;
    }

    /** Where the stream's next audio would continue; -1 before its first frame. */
    public long next() {
        return next;
    }
}
