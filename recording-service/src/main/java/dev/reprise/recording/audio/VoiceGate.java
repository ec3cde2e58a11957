package dev.reprise.recording.audio;

import java.util.Arrays;

/**
 * Leaves silence out of a track before it is stored: audio goes through in blocks of 10 ms, and a block is kept
 * when its peak reaches the threshold, or its neighbour does (one block before a sound, three after it, so onsets
 * and decays are not clipped). What is left out is silence by definition when the track is read back.
 *
 * <p>Feed it placed audio with {@link #accept}; it hands the kept audio, with its position, to the {@link Sink}.
 * A jump in position (a re-anchored stream) flushes what it holds first. Not thread-safe: one per stream.
 */
public final class VoiceGate {

    /** Receives kept audio: {@code count} samples from {@code samples[offset]}, starting at {@code start}. */
    public interface Sink {
        void keep(long start, short[] samples, int offset, int count);
    }

    private static final int HANGOVER_BLOCKS = 3;

    private final int threshold;
    private final Sink sink;
    private final short[] block = new short[Pcm.BLOCK_SAMPLES];
    private int filled;
    private long blockStart = -1;
    private short[] held;
    private long heldStart;
    private boolean heldLoud;
    private int hangover;

    public VoiceGate(int thresholdAmplitude, Sink sink) {
        this.threshold = thresholdAmplitude;
        this.sink = sink;
    }

    public void accept(long start, short[] samples) {
        if (blockStart >= 0 && start != blockStart + filled) {
            flush();
        }
        if (blockStart < 0) {
            blockStart = start;
        }
        int at = 0;
        while (at < samples.length) {
            int n = Math.min(samples.length - at, block.length - filled);
            System.arraycopy(samples, at, block, filled, n);
            filled += n;
            at += n;
            if (filled == block.length) {
                completeBlock(Arrays.copyOf(block, block.length), blockStart);
                blockStart += block.length;
                filled = 0;
            }
        }
    }

    /** Decides on everything held (the partial block too), as at the end of a stream or a segment. */
    public void flush() {
        if (filled > 0) {
            completeBlock(Arrays.copyOf(block, filled), blockStart);
        }
        if (held != null) {
            if (heldLoud || hangover > 0) {
                sink.keep(heldStart, held, 0, held.length);
            }
            held = null;
        }
        filled = 0;
        blockStart = -1;
        hangover = 0;
    }

    private void completeBlock(short[] samples, long start) {
        boolean loud = isLoud(samples);
        if (held != null) {
            // The held block is kept if it is loud, if the sound before it still rings, or if this one is loud.
            if (heldLoud || hangover > 0 || loud) {
                sink.keep(heldStart, held, 0, held.length);
            }
            hangover = heldLoud ? HANGOVER_BLOCKS : Math.max(0, hangover - 1);
        }
        held = samples;
        heldStart = start;
        heldLoud = loud;
    }

    private boolean isLoud(short[] samples) {
        for (short sample : samples) {
            if (sample >= threshold || sample <= -threshold) {
                return true;
            }
        }
        return false;
    }
}
