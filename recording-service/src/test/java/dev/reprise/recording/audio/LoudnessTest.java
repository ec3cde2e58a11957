package dev.reprise.recording.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class LoudnessTest {

    private static final String FFMPEG = System.getProperty("reprise.test.ffmpeg",
            System.getenv().getOrDefault("FFMPEG", "ffmpeg"));
    private static final int RATE = Pcm.SAMPLE_RATE;
    private static final int WINDOW = 30 * RATE;
    /** What the mixer feeds before each window (120 ms, MixWindows.PRE_ROLL). */
    private static final int PRE_ROLL = 5760;

    @Test
    void agreesWithFfmpegsEbur128OnToneAndNoiseBetweenSilences() throws Exception {
        // Both gates decide here: a murmur 1 LU under the relative gate, which would be 2 LU over it if the pause
        // of dither after it counted (no absolute gate), and would lower the result by 2 LU if it counted (no
        // relative gate). Then a tone, hum, noise under the absolute gate, loud bursts, and a tail that is not a
        // whole sub-block.
        Signal signal = new Signal(new Random(1))
                .silence(0.5).tone(997, -20, 3).silence(1)
                .noise(-18, 1).silence(0.5).noise(-35, 5).noise(-95, 12)
                .noise(-80, 1).tone(60, -12, 1).noise(-24, 1.5).silence(0.3).noise(-15, 0.7);
        short[] samples = signal.then(1234);

        double ffmpeg = ffmpegIntegratedLoudness(samples);
        Loudness.Meter meter = new Loudness.Meter();
        meter.accept(samples);

        assertThat(Loudness.integrated(meter.takeLevels().subBlockMeanSquares())).isCloseTo(ffmpeg, within(0.1));
    }

    @Test
    void windowsMeasuredApartAgreeWithOneContinuousRun() {
        // 65 s (two seams, a short last window) of bursts and pauses over a DC offset of 1 %: the worst case found
        // for a window starting from zero state (the step from the assumed silence lifts silent blocks over the
        // absolute gate).
        Signal signal = new Signal(new Random(2));
        for (int burst = 0; burst < 13; burst++) {
            signal.noise(-20 - burst % 5 * 4, 3.1).silence(1.9);
        }
        short[] samples = signal.then(0);
        for (int i = 0; i < samples.length; i++) {
            samples[i] += 328;
        }
        Loudness.Meter continuous = new Loudness.Meter(false);
        continuous.accept(samples);
        double[] whole = continuous.takeLevels().subBlockMeanSquares();
        double expected = Loudness.integrated(whole);

        double[] apart = new double[0];
        float[] stored = new float[0];
        Loudness.Meter inOrder = new Loudness.Meter(false);
        double[] fedInOrder = new double[0];
        for (int start = 0; start < samples.length; start += WINDOW) {
            int length = Math.min(WINDOW, samples.length - start);
            double[] window = Loudness.measure(samples, start, length, false).subBlockMeanSquares();
            assertThat(window).hasSize(length / Loudness.SUB_BLOCK_SAMPLES);
            apart = concat(apart, window);
            // as the mixer does it: the window's 120 ms pre-roll warms the filters up
            int from = Math.max(0, start - PRE_ROLL);
            float[] warmed = Loudness.blockMeanSquares(Arrays.copyOfRange(samples, from, start + length),
                    start - from, length);
            stored = concat(stored, warmed);
            inOrder.accept(samples, start, length);
            fedInOrder = concat(fedInOrder, inOrder.takeLevels().subBlockMeanSquares());
        }

        assertThat(Loudness.integrated(apart)).isCloseTo(expected, within(0.05));
        assertThat(Loudness.integrated(stored)).isCloseTo(expected, within(0.001));
        assertThat(fedInOrder).containsExactly(whole, within(1e-15));
        Loudness.Integrator onePass = new Loudness.Integrator();
        onePass.addAll(stored);
        assertThat(onePass.integrated()).isCloseTo(expected, within(0.01));
    }

    @Test
    void silenceHasNoLoudnessAndGetsNoGain() {
        short[] silence = new short[10 * RATE];
        short[] underTheAbsoluteGate = new Signal(new Random(3)).noise(-85, 5).then(0);
        short[] shorterThanAGatingBlock = new Signal(new Random(4)).noise(-20, 0.3).then(0);
        for (short[] samples : List.of(silence, underTheAbsoluteGate, shorterThanAGatingBlock)) {
            double[] subBlocks = Loudness.measure(samples).subBlockMeanSquares();
            Loudness.Integrator onePass = new Loudness.Integrator();
            onePass.addAll(subBlocks);

            assertThat(Loudness.integrated(subBlocks)).isEqualTo(Double.NEGATIVE_INFINITY);
            assertThat(onePass.integrated()).isEqualTo(Double.NEGATIVE_INFINITY);
            assertThat(Loudness.gainDb(Loudness.integrated(subBlocks), -16)).isZero();
        }
        assertThat(Loudness.integrated(new float[0])).isEqualTo(Double.NEGATIVE_INFINITY);
    }

    @Test
    void aSineAt997HzReadsAsBs1770CalibratesIt() {
        // BS.1770: a 0 dBFS 997 Hz sine in one front channel reads -3.01 LKFS.
        for (double level : new double[] {0, -20}) {
            short[] samples = new Signal(new Random(5)).tone(997, level, 5).then(0);
            double[] subBlocks = Loudness.measure(samples).subBlockMeanSquares();
            assertThat(Loudness.integrated(subBlocks)).isCloseTo(level - 3.01, within(0.01));
        }
    }

    @Test
    void aPartialSubBlockAtTheEndIsLeftOutAsFfmpegDoes() {
        Loudness.Meter meter = new Loudness.Meter();
        short[] samples = new Signal(new Random(6)).noise(-20, 0.5).then(1234);
        for (short sample : samples) {
            meter.accept(sample);
        }

        assertThat(meter.pendingSamples()).isEqualTo(1234);
        Loudness.Levels levels = meter.takeLevels();
        assertThat(levels.subBlockMeanSquares()).hasSize(5);
        assertThat(meter.pendingSamples()).isEqualTo(1234);
        assertThat(meter.takeLevels().subBlockMeanSquares()).isEmpty();
    }

    @Test
    void theTruePeakSeesBetweenSamplesAndCapsTheGain() {
        // 12 kHz at 45 degrees: every sample is at 0.707 of the wave's crest, which lies between them.
        short[] samples = new short[RATE];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (short) Math.round(16384 * Math.sin(Math.PI / 2 * i + Math.PI / 4));
        }
        Loudness.Levels levels = Loudness.measure(samples);

        assertThat(levels.samplePeakDbfs()).isCloseTo(-9.03, within(0.01));
        assertThat(levels.truePeakDbtp()).isCloseTo(-6.02, within(0.3));
        // A programme at -30 LUFS peaking there would clip if brought up by 14 dB: it gets what -1 dBTP allows.
        assertThat(Loudness.gainDb(-30, -16, levels.truePeak(), -1)).isCloseTo(-1 - levels.truePeakDbtp(),
                within(1e-9));
        assertThat(Loudness.gainDb(-30, -16, levels.truePeak() / 100, -1)).isCloseTo(14, within(1e-9));
    }

    /** Integrated loudness by ffmpeg's ebur128, to 0.001 LU (its summary line rounds to 0.1). */
    private static double ffmpegIntegratedLoudness(short[] samples) throws Exception {
        Path wav = Files.createTempFile("loudness", ".wav");
        Path metadata = Files.createTempFile("loudness", ".txt");
        try {
            Files.write(wav, wav(samples));
            Process ffmpeg = new ProcessBuilder(FFMPEG, "-nostdin", "-nostats", "-hide_banner", "-i", wav.toString(),
                    "-af", "ebur128=metadata=1,ametadata=mode=print:key=lavfi.r128.I:file=" + metadata,
                    "-f", "null", "-").redirectErrorStream(true).start();
            String log = new String(ffmpeg.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(ffmpeg.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(ffmpeg.exitValue()).as(log).isZero();
            // The value after the last 100 ms is the programme's.
            Matcher value = Pattern.compile("lavfi\\.r128\\.I=(-?[0-9.]+)").matcher(Files.readString(metadata));
            String last = null;
            while (value.find()) {
                last = value.group(1);
            }
            assertThat(last).as("ffmpeg's loudness in " + log).isNotNull();
            return Double.parseDouble(last);
        } finally {
            Files.deleteIfExists(wav);
            Files.deleteIfExists(metadata);
        }
    }

    private static byte[] wav(short[] samples) {
        ByteBuffer header = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        header.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + 2 * samples.length)
                .put("WAVEfmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1)
                .putShort((short) 1).putInt(RATE).putInt(2 * RATE).putShort((short) 2).putShort((short) 16)
                .put("data".getBytes(StandardCharsets.US_ASCII)).putInt(2 * samples.length);
        ByteBuffer data = ByteBuffer.allocate(2 * samples.length).order(ByteOrder.LITTLE_ENDIAN);
        data.asShortBuffer().put(samples);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header.array());
        out.writeBytes(data.array());
        return out.toByteArray();
    }

    private static double[] concat(double[] a, double[] b) {
        double[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }

    /** A test programme built piece by piece; levels in dBFS (RMS for noise, peak for tones). */
    private static final class Signal {

        private final Random random;
        private short[] samples = new short[RATE];
        private int length;

        Signal(Random random) {
            this.random = random;
        }

        Signal silence(double seconds) {
            grow(seconds);
            return this;
        }

        Signal tone(double hertz, double dbfs, double seconds) {
            double amplitude = Math.min(32767, 32768 * Math.pow(10, dbfs / 20));
            int start = grow(seconds);
            for (int i = start; i < length; i++) {
                samples[i] = (short) Math.round(amplitude * Math.sin(2 * Math.PI * hertz * (i - start) / RATE));
            }
            return this;
        }

        /** White noise, uniform (cheaper than Gaussian, and its peak is bounded: RMS times the root of 3). */
        Signal noise(double dbfs, double seconds) {
            int peak = (int) Math.min(32767, Math.round(32768 * Math.pow(10, dbfs / 20) * Math.sqrt(3)));
            int start = grow(seconds);
            for (int i = start; i < length; i++) {
                samples[i] = (short) (random.nextInt(2 * peak + 1) - peak);
            }
            return this;
        }

        /** The programme, ending with {@code extraSamples} more of noise (a partial sub-block). */
        short[] then(int extraSamples) {
            noise(-20, (double) extraSamples / RATE);
            return Arrays.copyOf(samples, length);
        }

        private int grow(double seconds) {
            int start = length;
            length += (int) Math.round(seconds * RATE);
            if (length > samples.length) {
                samples = Arrays.copyOf(samples, Math.max(length, 2 * samples.length));
            }
            return start;
        }
    }
}
