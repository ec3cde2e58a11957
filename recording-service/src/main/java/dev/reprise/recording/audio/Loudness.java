package dev.reprise.recording.audio;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.IntToDoubleFunction;

/**
 * Programme loudness per ITU-R BS.1770-4 / EBU R128, measured in pieces: a recording is mixed in windows while the
 * room is live and normalized by one gain at the end, without reading the audio again.
 *
 * <p>A {@link Meter} K-weights 48 kHz mono and yields, per 100 ms sub-block, the K-weighted mean square (full scale
 * = 1): 300 numbers per 30 s window, which are stored with the window. At the end the stored sub-blocks, in
 * programme order, give the integrated loudness through {@link #integrated(double[])} or an {@link Integrator}, and
 * {@link #gainDb} the normalizing gain.
 *
 * <p>Agrees with ffmpeg's ebur128 filter (the reference): samples are read as {@code sample / 32768}; a gating
 * block is four consecutive sub-blocks, the first one starting at the programme's first sample; a trailing partial
 * sub-block (a programme that is not a whole number of 100 ms) is left out, as ffmpeg does; silence (no gating block
 * above -70 LUFS) is {@link Double#NEGATIVE_INFINITY} here where ffmpeg prints -70.
 */
public final class Loudness {

    public static final int SUB_BLOCK_SAMPLES = Pcm.SAMPLE_RATE / 10;
    /** A gating block is 400 ms: four sub-blocks, and consecutive blocks overlap by three (75 %). */
    public static final int SUB_BLOCKS_PER_GATING_BLOCK = 4;
    public static final double ABSOLUTE_GATE_LUFS = -70;
    public static final double RELATIVE_GATE_LU = -10;

    private static final double FULL_SCALE = 32768;
    private static final double ABSOLUTE_GATE_POWER = power(ABSOLUTE_GATE_LUFS);
    private static final double RELATIVE_GATE_FACTOR = Math.pow(10, RELATIVE_GATE_LU / 10);

    private Loudness() {
    }

    /** What a meter measured between two {@link Meter#takeLevels()}: the sub-blocks completed, and peaks. */
    public record Levels(double[] subBlockMeanSquares, double samplePeak, double truePeak) {

        /** Sample peak in dBFS (full scale = 32768); -infinity for digital silence. */
        public double samplePeakDbfs() {
            return dbfs(samplePeak);
        }

        /** True peak in dBTP; -infinity for digital silence. */
        public double truePeakDbtp() {
            return dbfs(truePeak);
        }
    }

    /**
     * K-weighted meter for 48 kHz mono s16. Feed a programme in order, by samples or arrays of any length: the filter
     * state, the open sub-block and the true-peak history carry over from one call to the next, so windows fed in
     * order to one meter measure exactly as the whole programme would. Not thread-safe: one per programme.
     *
     * <p>A window mixed on another machine is measured by a new meter ({@link #measure}). From zero state (as if
     * silence came before) only the window's first ~30 ms are off: the RLB high-pass at 38 Hz forgets by 60 dB in
     * 29 ms. Measured in 30 s windows against one continuous run (2.5 min of speech with pauses, pink noise, tones,
     * 50 Hz hum, a 40 Hz tone at -10 dBFS): the first sub-block of a window moves by up to 0.3 dB, the integrated
     * loudness by under 0.001 LU; a DC offset moves it by 0.009 LU (the step from the assumed silence lifts a few
     * silent gating blocks over the absolute gate, which nudges the relative gate). Negligible; and with the window's
     * pre-roll (120 ms before it) fed first as a warm-up, the sub-blocks agree to 1e-12 dB. Windows measured apart
     * must be whole sub-blocks (30 s is), except the programme's last.
     */
    public static final class Meter {

        // BS.1770-4 Table 1 (pre-filter, a high shelf modelling the head) and Table 2 (RLB high-pass), 48 kHz.
        private static final double PRE_B0 = 1.53512485958697;
        private static final double PRE_B1 = -2.69169618940638;
        private static final double PRE_B2 = 1.19839281085285;
        private static final double PRE_A1 = -1.69065929318241;
        private static final double PRE_A2 = 0.73248077421585;
        private static final double RLB_A1 = -1.99004745483398;
        private static final double RLB_A2 = 0.99007225036621; // RLB numerator is 1, -2, 1

        /**
         * BS.1770-4 Annex 2: the 48-tap interpolating filter for 4x oversampling, as its four 12-tap phases. Stored
         * oldest tap first (the Annex lists newest first) so that a phase is a plain dot product with the history.
         */
        private static final double[][] TRUE_PEAK_PHASES = reversed(new double[][] {
            {0.0017089843750, 0.0109863281250, -0.0196533203125, 0.0332031250000, -0.0594482421875,
                0.1373291015625, 0.9721679687500, -0.1022949218750, 0.0476074218750, -0.0266113281250,
                0.0148925781250, -0.0083007812500},
            {-0.0291748046875, 0.0292968750000, -0.0517578125000, 0.0891113281250, -0.1665039062500,
                0.4650878906250, 0.7797851562500, -0.2003173828125, 0.1015625000000, -0.0582275390625,
                0.0330810546875, -0.0189208984375},
            {-0.0189208984375, 0.0330810546875, -0.0582275390625, 0.1015625000000, -0.2003173828125,
                0.7797851562500, 0.4650878906250, -0.1665039062500, 0.0891113281250, -0.0517578125000,
                0.0292968750000, -0.0291748046875},
            {-0.0083007812500, 0.0148925781250, -0.0266113281250, 0.0476074218750, -0.1022949218750,
                0.9721679687500, 0.1373291015625, -0.0594482421875, 0.0332031250000, -0.0196533203125,
                0.0109863281250, 0.0017089843750}});
        private static final int TAPS = 12;
        private static final int HISTORY = TAPS - 1;
        /** The largest gain a phase can have on any signal: a stretch quieter than peak / this cannot raise it. */
        private static final double TRUE_PEAK_MAX_GAIN = maxAbsSum(TRUE_PEAK_PHASES);

        private final boolean truePeak;
        private final short[] single = new short[1];

        // Filter state in raw sample units (the filters are linear; the mean square is scaled once per sub-block).
        private double in1, in2, pre1, pre2, rlb1, rlb2;
        private double subBlockSquares;
        private int subBlockFilled;
        private double[] completed = new double[300];
        private int completedCount;
        private int samplePeak;

        // True peak: the last 11 samples, then the samples being fed; interpolation starts once 11 real samples
        // are known, so a window measured alone does not invent an overshoot from the silence assumed before it.
        private final double[] truePeakBuffer = new double[HISTORY + SUB_BLOCK_SAMPLES];
        private int historyKnown;
        private double interpolatedPeak;

        /**
         * A meter with true-peak estimation. It costs about as much again as the K-weighting on speech (quiet
         * stretches are skipped) and up to five times as much on dense audio such as noise.
         */
        public Meter() {
            this(true);
        }

        /** @param truePeak whether to estimate the true peak; without it {@link Levels#truePeak} is the sample peak */
        public Meter(boolean truePeak) {
            this.truePeak = truePeak;
        }

        /** One sample; arrays are cheaper per sample. */
        public void accept(short sample) {
            single[0] = sample;
            accept(single, 0, 1);
        }

        public void accept(short[] samples) {
            accept(samples, 0, samples.length);
        }

        public void accept(short[] samples, int offset, int count) {
            Objects.checkFromIndexSize(offset, count, samples.length);
            int at = offset;
            int end = offset + count;
            while (at < end) {
                int n = Math.min(end - at, SUB_BLOCK_SAMPLES - subBlockFilled);
                weigh(samples, at, n);
                if (truePeak) {
                    interpolate(samples, at, n);
                }
                at += n;
                subBlockFilled += n;
                if (subBlockFilled == SUB_BLOCK_SAMPLES) {
                    if (completedCount == completed.length) {
                        completed = Arrays.copyOf(completed, completedCount * 2);
                    }
                    completed[completedCount++] = subBlockSquares / (SUB_BLOCK_SAMPLES * FULL_SCALE * FULL_SCALE);
                    subBlockSquares = 0;
                    subBlockFilled = 0;
                }
            }
        }

        /** Keeps the filters' and the true-peak history's state, drops what was measured: after a warm-up. */
        private void forgetMeasurements() {
            subBlockSquares = 0;
            subBlockFilled = 0;
            takeLevels();
        }

        /** Samples fed that do not yet make a whole sub-block; left out if the programme ends here. */
        public int pendingSamples() {
            return subBlockFilled;
        }

        /**
         * The sub-blocks completed and the peaks seen since the last call, then starts afresh on both (the filter
         * state and the open sub-block carry on). Call it at the end of each window.
         */
        public Levels takeLevels() {
            double sample = samplePeak / FULL_SCALE;
            Levels levels = new Levels(Arrays.copyOf(completed, completedCount), sample,
                    Math.max(sample, interpolatedPeak / FULL_SCALE));
            completedCount = 0;
            samplePeak = 0;
            interpolatedPeak = 0;
            return levels;
        }

        private void weigh(short[] samples, int offset, int count) {
            double x1 = in1, x2 = in2, y1 = pre1, y2 = pre2, z1 = rlb1, z2 = rlb2;
            double squares = 0;
            int peak = samplePeak;
            for (int i = offset, end = offset + count; i < end; i++) {
                int sample = samples[i];
                peak = Math.max(peak, Math.abs(sample));
                double x = sample;
                double y = PRE_B0 * x + PRE_B1 * x1 + PRE_B2 * x2 - PRE_A1 * y1 - PRE_A2 * y2;
                double z = y - 2 * y1 + y2 - RLB_A1 * z1 - RLB_A2 * z2;
                x2 = x1;
                x1 = x;
                y2 = y1;
                y1 = y;
                z2 = z1;
                z1 = z;
                squares += z * z;
            }
            in1 = x1;
            in2 = x2;
            pre1 = y1;
            pre2 = y2;
            rlb1 = z1;
            rlb2 = z2;
            subBlockSquares += squares;
            samplePeak = peak;
        }

        private void interpolate(short[] samples, int offset, int count) {
            double[] buffer = truePeakBuffer;
            int loudest = 0;
            for (int i = 0; i < count; i++) {
                int sample = samples[offset + i];
                buffer[HISTORY + i] = sample;
                loudest = Math.max(loudest, Math.abs(sample));
            }
            // Speech is mostly far below its peak: skip stretches that no interpolation could lift above it.
            int history = 0;
            for (int i = 0; i < HISTORY; i++) {
                history = Math.max(history, (int) Math.abs(buffer[i]));
            }
            if (Math.max(loudest, history) * TRUE_PEAK_MAX_GAIN > Math.max(interpolatedPeak, samplePeak)) {
                double peak = interpolatedPeak;
                int first = Math.max(0, HISTORY - historyKnown);
                double[] p0 = TRUE_PEAK_PHASES[0], p1 = TRUE_PEAK_PHASES[1];
                double[] p2 = TRUE_PEAK_PHASES[2], p3 = TRUE_PEAK_PHASES[3];
                for (int i = first; i < count; i++) {
                    double v0 = 0, v1 = 0, v2 = 0, v3 = 0;
                    for (int tap = 0; tap < TAPS; tap++) {
                        double x = buffer[i + tap];
                        v0 += p0[tap] * x;
                        v1 += p1[tap] * x;
                        v2 += p2[tap] * x;
                        v3 += p3[tap] * x;
                    }
                    peak = Math.max(peak, Math.max(Math.max(Math.abs(v0), Math.abs(v1)),
                            Math.max(Math.abs(v2), Math.abs(v3))));
                }
                interpolatedPeak = peak;
            }
            historyKnown = Math.min(HISTORY, historyKnown + count);
            System.arraycopy(buffer, count, buffer, 0, HISTORY);
        }

        private static double[][] reversed(double[][] phases) {
            double[][] reversed = new double[phases.length][];
            for (int p = 0; p < phases.length; p++) {
                reversed[p] = new double[phases[p].length];
                for (int tap = 0; tap < phases[p].length; tap++) {
                    reversed[p][tap] = phases[p][phases[p].length - 1 - tap];
                }
            }
            return reversed;
        }

        private static double maxAbsSum(double[][] phases) {
            double max = 0;
            for (double[] phase : phases) {
                max = Math.max(max, Arrays.stream(phase).map(Math::abs).sum());
            }
            return max;
        }
    }

    /** Measures one window on its own, from zero filter state (as if silence came before it). */
    public static Levels measure(short[] window) {
        return measure(window, 0, window.length, true);
    }

    /**
     * Measures {@code samples[offset, offset + length)}, a window mixed on its own: the samples before
     * {@code offset} (the window's pre-roll, the end of the previous window) only warm the filters up, so the window
     * measures as it would have in one continuous run. A trailing partial sub-block is left out.
     */
    public static Levels measure(short[] samples, int offset, int length, boolean truePeak) {
        Objects.checkFromIndexSize(offset, length, samples.length);
        Meter meter = new Meter(truePeak);
        meter.accept(samples, 0, offset);
        meter.forgetMeasurements();
        meter.accept(samples, offset, length);
        return meter.takeLevels();
    }

    /** {@link #measure(short[], int, int, boolean)}'s sub-blocks as stored with a window (float is ample). */
    public static float[] blockMeanSquares(short[] samples, int offset, int length) {
        double[] meanSquares = measure(samples, offset, length, false).subBlockMeanSquares();
        float[] stored = new float[meanSquares.length];
        for (int i = 0; i < stored.length; i++) {
            stored[i] = (float) meanSquares[i];
        }
        return stored;
    }

    /**
     * Integrated loudness in LUFS of a programme given as its sub-blocks' mean squares in order (the windows'
     * {@link Levels#subBlockMeanSquares} concatenated): two passes over the array, no copy of it.
     *
     * @return {@link Double#NEGATIVE_INFINITY} when no gating block is above the absolute gate (silence, or shorter
     *     than 400 ms)
     */
    public static double integrated(double[] subBlockMeanSquares) {
        return integrated(subBlockMeanSquares.length, i -> subBlockMeanSquares[i]);
    }

    /** {@link #integrated(double[])} for sub-blocks stored as float. */
    public static double integrated(float[] subBlockMeanSquares) {
        return integrated(subBlockMeanSquares.length, i -> subBlockMeanSquares[i]);
    }

    private static double integrated(int subBlocks, IntToDoubleFunction subBlock) {
        int gatingBlocks = subBlocks - SUB_BLOCKS_PER_GATING_BLOCK + 1;
        double keptSum = 0;
        long kept = 0;
        for (int j = 0; j < gatingBlocks; j++) {
            double power = gatingBlockPower(subBlock, j);
            if (power > ABSOLUTE_GATE_POWER) {
                keptSum += power;
                kept++;
            }
        }
        if (kept == 0) {
            return Double.NEGATIVE_INFINITY;
        }
        // -10 LU relative to the loudness of the mean is a tenth of the mean power.
        double gate = Math.max(ABSOLUTE_GATE_POWER, keptSum / kept * RELATIVE_GATE_FACTOR);
        double gatedSum = 0;
        long gated = 0;
        for (int j = 0; j < gatingBlocks; j++) {
            double power = gatingBlockPower(subBlock, j);
            if (power > gate) {
                gatedSum += power;
                gated++;
            }
        }
        return loudness(gatedSum / gated); // gated > 0: the loudest block is above the mean
    }

    private static double gatingBlockPower(IntToDoubleFunction subBlock, int first) {
        return (subBlock.applyAsDouble(first) + subBlock.applyAsDouble(first + 1) + subBlock.applyAsDouble(first + 2)
                + subBlock.applyAsDouble(first + 3)) / SUB_BLOCKS_PER_GATING_BLOCK;
    }

    /**
     * Integrated loudness in one pass with bounded state (about 100 KB, whatever the length): sub-blocks are added
     * in programme order, window after window, and gating blocks spanning two windows are formed across the seam.
     * Gating blocks are kept in a histogram of 0.01 LU bins holding their exact summed power, so the result differs
     * from {@link #integrated(double[])} only by blocks within 0.01 LU of the relative gate (well under 0.01 LU).
     */
    public static final class Integrator {

        private static final int BINS_PER_LU = 100;
        private static final double TOP_LUFS = 10; // above what 16-bit audio can reach (about +3.3 LUFS)
        private static final int BINS = (int) ((TOP_LUFS - ABSOLUTE_GATE_LUFS) * BINS_PER_LU);

        private final int[] binBlocks = new int[BINS];
        private final double[] binPower = new double[BINS];
        private final double[] lastThree = new double[SUB_BLOCKS_PER_GATING_BLOCK - 1];
        private long subBlocks;
        private double keptSum;
        private long kept;

        public void add(double subBlockMeanSquare) {
            if (subBlocks >= lastThree.length) {
                double power = (lastThree[0] + lastThree[1] + lastThree[2] + subBlockMeanSquare)
                        / SUB_BLOCKS_PER_GATING_BLOCK;
                if (power > ABSOLUTE_GATE_POWER) {
                    int bin = Math.min(BINS - 1, (int) ((loudness(power) - ABSOLUTE_GATE_LUFS) * BINS_PER_LU));
                    binBlocks[bin]++;
                    binPower[bin] += power;
                    keptSum += power;
                    kept++;
                }
            }
            lastThree[0] = lastThree[1];
            lastThree[1] = lastThree[2];
            lastThree[2] = subBlockMeanSquare;
            subBlocks++;
        }

        public void addAll(double[] subBlockMeanSquares) {
            for (double meanSquare : subBlockMeanSquares) {
                add(meanSquare);
            }
        }

        public void addAll(float[] subBlockMeanSquares) {
            for (float meanSquare : subBlockMeanSquares) {
                add(meanSquare);
            }
        }

        /** Integrated loudness in LUFS of what was added so far; {@link Double#NEGATIVE_INFINITY} for silence. */
        public double integrated() {
            if (kept == 0) {
                return Double.NEGATIVE_INFINITY;
            }
            double gate = keptSum / kept * RELATIVE_GATE_FACTOR;
            int gateBin = Math.max(0, (int) ((loudness(gate) - ABSOLUTE_GATE_LUFS) * BINS_PER_LU));
            double gatedSum = 0;
            long gated = 0;
            // The gate's own bin goes in or out as a whole, by the mean of its blocks.
            if (gateBin < BINS && binBlocks[gateBin] > 0 && binPower[gateBin] / binBlocks[gateBin] > gate) {
                gatedSum += binPower[gateBin];
                gated += binBlocks[gateBin];
            }
            for (int bin = gateBin + 1; bin < BINS; bin++) {
                gatedSum += binPower[bin];
                gated += binBlocks[bin];
            }
            return gated == 0 ? Double.NEGATIVE_INFINITY : loudness(gatedSum / gated);
        }
    }

    /**
     * The gain that brings a programme to the target loudness; 0 for silence (there is nothing to bring up, and an
     * infinite gain would only amplify noise).
     */
    public static double gainDb(double integratedLufs, double targetLufs) {
        return Double.isFinite(integratedLufs) ? targetLufs - integratedLufs : 0;
    }

    /**
     * As {@link #gainDb(double, double)}, but no more than keeps the true peak at or under the ceiling (e.g. -1 dBTP),
     * since a gain applied to 16-bit audio clips above full scale.
     */
    public static double gainDb(double integratedLufs, double targetLufs, double truePeak, double ceilingDbtp) {
        double gain = gainDb(integratedLufs, targetLufs);
        return truePeak > 0 ? Math.min(gain, ceilingDbtp - dbfs(truePeak)) : gain;
    }

    /** Loudness in LUFS of a K-weighted mean square (a sub-block's, or a 400 ms block's for momentary loudness). */
    public static double loudness(double meanSquare) {
        return -0.691 + 10 * Math.log10(meanSquare);
    }

    /** Decibels relative to full scale of a linear level (full scale = 1). */
    public static double dbfs(double linear) {
        return 20 * Math.log10(linear);
    }

    private static double power(double lufs) {
        return Math.pow(10, (lufs + 0.691) / 10);
    }

    /** Block mean squares as stored beside a window: big-endian floats. */
    public static byte[] toBytes(float[] blocks) {
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(4 * blocks.length);
        for (float block : blocks) {
            bytes.putFloat(block);
        }
        return bytes.array();
    }

    /** The inverse of {@link #toBytes}. */
    public static float[] fromBytes(byte[] bytes) {
        java.nio.ByteBuffer blocks = java.nio.ByteBuffer.wrap(bytes);
        float[] values = new float[blocks.remaining() / 4];
        for (int i = 0; i < values.length; i++) {
            values[i] = blocks.getFloat();
        }
        return values;
    }
}
