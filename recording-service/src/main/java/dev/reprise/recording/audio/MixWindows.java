package dev.reprise.recording.audio;

/**
 * How the time line is cut into windows that are encoded apart and joined without a seam. Each window is encoded
 * from its audio plus {@link #PRE_ROLL} samples before and {@link #POST_ROLL} after, and keeps only the packets
 * (Opus) and frames (MP3) that fall on its own stretch of the joined stream. The encoders' delays are constant,
 * so packet g of the joined Opus stream always covers time line samples [960 g - 120, 960 g + 840) and frame g of
 * the joined MP3 stream [1152 g - 1105, 1152 g + 47): a window begins on a multiple of both, and its encoder,
 * warmed up on the pre-roll, puts out nearly the packets a single encoder running through would have put there
 * (measured: MP3 frames mostly byte-identical, SNR at the joins the same as elsewhere; Opus in CELT-only mode
 * within 0.1 to 1.5 dB of a single encoder's SNR at the joins).
 */
public record MixWindows(int windowSamples) {

    public static final int OPUS_PACKET = 960;
    /** libopus's look-ahead at 48 kHz in its CELT-only (low delay) mode: the pre-skip of every stream it writes. */
    public static final int OPUS_PRE_SKIP = 120;
    public static final int MP3_FRAME = 1152;
    /** LAME's encoder delay (576) plus the decoder's (529). */
    public static final int MP3_DELAY = 1105;
    /** Loudness is measured per 100 ms; peaks are drawn per 100 ms. */
    public static final int BLOCK = Pcm.SAMPLE_RATE / 10;
    /** A multiple of both packet lengths: whole packets of warm-up, whole packets to drop. */
    public static final int PRE_ROLL = 5760;
    public static final int POST_ROLL = 5760;
    /** Window lengths must be multiples of this (600 ms: whole packets, frames and loudness blocks). */
    public static final int GRAIN = 28_800;

    public MixWindows {
        if (windowSamples <= 0 || windowSamples % GRAIN != 0) {
            throw new IllegalArgumentException("a mix window must be a multiple of 600 ms, not " + windowSamples
                    + " samples");
        }
    }

    public static MixWindows ofMillis(long millis) {
        return new MixWindows(Math.toIntExact(Pcm.millisToSamples(millis)));
    }

    public long start(int window) {
        return (long) window * windowSamples;
    }

    /** Windows a recording of {@code samples} has (the last may be short). */
    public int count(long samples) {
        return Math.toIntExact((samples + windowSamples - 1) / windowSamples);
    }

    /** The window holding time line sample {@code sample}. */
    public int of(long sample) {
        return Math.toIntExact(Math.floorDiv(sample, windowSamples));
    }

    /** Samples of window {@code window} inside a recording of {@code total} samples (-1: not ended yet). */
    public int length(int window, long total) {
        if (total < 0) {
            return windowSamples;
        }
        return (int) Math.max(0, Math.min(windowSamples, total - start(window)));
    }

    /** Samples an encoder is fed for one window: the pre-roll, the window, the post-roll. */
    public int encodedSamples() {
        return PRE_ROLL + windowSamples + POST_ROLL;
    }

    /** Opus packets window {@code window} owns in the joined stream of a recording of {@code total} samples. */
    public int opusPackets(int window, long total) {
        return owned(window, total, OPUS_PACKET, OPUS_PRE_SKIP);
    }

    /** MP3 frames window {@code window} owns in the joined stream of a recording of {@code total} samples. */
    public int mp3Frames(int window, long total) {
        return owned(window, total, MP3_FRAME, MP3_DELAY);
    }

    private int owned(int window, long total, int unit, int delay) {
        long first = start(window) / unit;
        boolean last = total >= 0 && start(window) + windowSamples >= total;
        if (!last) {
            return windowSamples / unit;
        }
        // The last window also owns the packets that end the stream: every sample up to the end must be covered.
        long units = (total + delay + unit - 1) / unit;
        return (int) (units - first);
    }

    /** Packets of an encoded window that come before the ones it owns (its pre-roll). */
    public static int opusSkip() {
        return PRE_ROLL / OPUS_PACKET;
    }

    public static int mp3Skip() {
        return PRE_ROLL / MP3_FRAME;
    }
}
