package dev.reprise.recording.audio;

/**
 * The audio Reprise keeps: signed 16-bit little-endian mono at 48 kHz. What media servers send is converted to it
 * on arrival; per-speaker tracks are mono by nature (one microphone), so a stereo stream is folded to one channel.
 */
public final class Pcm {

    public static final int SAMPLE_RATE = 48_000;
    public static final int BYTES_PER_SAMPLE = 2;
    /** Silence detection and placement work in blocks of 10 ms. */
    public static final int BLOCK_SAMPLES = SAMPLE_RATE / 100;

    /** Bytes that are not whole sample frames: the sender's fault. */
    public static final class NotWholeFrames extends IllegalArgumentException {
        NotWholeFrames(String message) {
            super(message);
        }
    }

    private Pcm() {
    }

    /**
     * Interleaved s16le with {@code channels} channels to mono samples: the channels' mean.
     *
     * @throws NotWholeFrames if the bytes are not whole sample frames
     */
    public static short[] toMono(byte[] interleaved, int offset, int length, int channels) {
        int frameBytes = BYTES_PER_SAMPLE * channels;
        if (length % frameBytes != 0) {
            throw new NotWholeFrames(length + " bytes are not whole frames of " + channels
                    + "-channel 16-bit audio");
        }
        short[] mono = new short[length / frameBytes];
        for (int i = 0, at = offset; i < mono.length; i++) {
            int sum = 0;
            for (int c = 0; c < channels; c++, at += 2) {
                sum += (short) ((interleaved[at] & 0xff) | (interleaved[at + 1] << 8));
            }
            mono[i] = (short) (sum / channels);
        }
        return mono;
    }

    /** Peak level as a linear 16-bit amplitude for a threshold in dBFS. */
    public static int amplitudeOf(double dbfs) {
        return (int) Math.round(Math.pow(10, dbfs / 20) * 32767);
    }

    public static long millisToSamples(long millis) {
        return Math.multiplyExact(millis, SAMPLE_RATE) / 1000;
    }

    public static long samplesToMillis(long samples) {
        return samples * 1000 / SAMPLE_RATE;
    }
}
