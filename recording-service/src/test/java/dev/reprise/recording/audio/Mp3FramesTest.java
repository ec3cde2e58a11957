package dev.reprise.recording.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Mp3FramesTest {

    private static final String FFMPEG = System.getProperty("reprise.test.ffmpeg",
            System.getenv().getOrDefault("FFMPEG", "ffmpeg"));
    private static final int RATE = Pcm.SAMPLE_RATE;
    /** Not a whole number of frames, so the end trim is tested too. */
    private static final int SAMPLES = 2 * RATE + 777;
    private static final double DB_PER_STEP = 20 * Math.log10(Math.pow(2, 0.25));

    @TempDir
    static Path work;
    private static short[] signal;
    /** libmp3lame's output for the signal, as the window encoder asks for it: CBR, no reservoir, no tags. */
    private static byte[] encoded;

    @BeforeAll
    static void encode() throws Exception {
        signal = tonesAndNoiseBursts(new Random(7));
        Path pcm = work.resolve("signal.pcm");
        Files.write(pcm, s16le(signal));
        Path mp3 = work.resolve("signal.mp3");
        ffmpeg("-f", "s16le", "-ar", "48000", "-ac", "1", "-i", pcm.toString(), "-c:a", "libmp3lame", "-b:a", "64k",
                "-reservoir", "0", "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3", mp3.toString());
        encoded = Files.readAllBytes(mp3);
    }

    @Test
    void findsEveryFrameFfmpegWrote() throws Exception {
        List<Mp3Frames.Frame> frames = Mp3Frames.frames(encoded);

        int next = 0;
        for (Mp3Frames.Frame frame : frames) {
            assertThat(frame.offset()).isEqualTo(next);
            assertThat(frame.length()).isEqualTo(192); // 64 kbps at 48 kHz never needs the padding byte
            next += frame.length();
        }
        assertThat(next).isEqualTo(encoded.length);
        // Without a tag ffmpeg decodes every frame whole: its count is the decoder's, not only ours.
        assertThat(decode(encoded)).hasSize(frames.size() * Mp3Frames.SAMPLES_PER_FRAME);
    }

    @Test
    void refusesAnythingButWhole48kHzLayerIIIFrames() {
        byte[] frame = Arrays.copyOf(encoded, 192);
        byte[] id3 = concat("ID3".getBytes(StandardCharsets.US_ASCII), frame);
        byte[] cutOff = Arrays.copyOf(encoded, 192 + 100);
        byte[] at44100 = frame.clone();
        at44100[2] &= ~0x0C;
        byte[] freeFormat = frame.clone();
        freeFormat[2] &= 0x0F;
        byte[] layerII = frame.clone();
        layerII[1] = (byte) 0xFD;

        for (byte[] bad : List.of(id3, cutOff, at44100, freeFormat, layerII)) {
            assertThatThrownBy(() -> Mp3Frames.frames(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void theLengthFollowsTheBitrateAndThePaddingBit() {
        // 64 kbps at 48 kHz never pads, so ffmpeg's output cannot show these.
        byte[] twoFrames = new byte[193 + 384];
        byte[] padded64 = {(byte) 0xFF, (byte) 0xFB, 0x56, (byte) 0xC4};
        byte[] stereo128WithCrc = {(byte) 0xFF, (byte) 0xFA, (byte) 0x94, 0x44};
        System.arraycopy(padded64, 0, twoFrames, 0, 4);
        System.arraycopy(stereo128WithCrc, 0, twoFrames, 193, 4);

        assertThat(Mp3Frames.frames(twoFrames))
                .containsExactly(new Mp3Frames.Frame(0, 193), new Mp3Frames.Frame(193, 384));
    }

    @Test
    void eachGainStepChangesTheDecodedLevelByOnePointFiveDb() throws Exception {
        float[] before = decode(encoded);
        for (int steps : new int[] {3, -5}) {
            byte[] louder = encoded.clone();
            for (Mp3Frames.Frame frame : Mp3Frames.frames(louder)) {
                Mp3Frames.addGain(louder, frame.offset(), steps);
            }
            double change = 20 * Math.log10(rms(decode(louder)) / rms(before));
            assertThat(change).isCloseTo(steps * DB_PER_STEP, within(0.05));
        }
    }

    @Test
    void gainOnAFrameWithACrcRewritesTheCrc() throws Exception {
        // libmp3lame writes no CRC: protect every frame whose main data leaves room for the two bytes, with a
        // wrong CRC that addGain has to replace.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Integer> protectedFrames = new ArrayList<>();
        for (Mp3Frames.Frame frame : Mp3Frames.frames(encoded)) {
            byte[] plain = Arrays.copyOfRange(encoded, frame.offset(), frame.offset() + frame.length());
            if (mainDataBits(plain) > (plain.length - 4 - 17 - 2) * 8) {
                out.writeBytes(plain);
                continue;
            }
            byte[] withCrc = new byte[plain.length];
            System.arraycopy(plain, 0, withCrc, 0, 4);
            withCrc[1] &= ~1; // protection bit 0: a CRC follows the header
            System.arraycopy(plain, 4, withCrc, 6, plain.length - 6);
            Mp3Frames.addGain(withCrc, 0, 2);
            protectedFrames.add(out.size());
            out.writeBytes(withCrc);
        }
        byte[] stream = out.toByteArray();
        assertThat(protectedFrames).hasSizeGreaterThan(10);

        assertThat(ffmpegCrcErrors(stream)).isEmpty();
        byte[] broken = stream.clone();
        broken[protectedFrames.get(5) + 5] ^= 1;
        assertThat(ffmpegCrcErrors(broken)).contains("CRC mismatch"); // so the check above did check
    }

    @Test
    void withAnInfoFrameFfmpegDecodesExactlyTheSignalFromItsFirstSample() throws Exception {
        // The frames that cover the signal after the codec's delay, as joined windows would keep them.
        int frames = (SAMPLES + Mp3Frames.LAME_ENCODER_DELAY + Mp3Frames.DECODER_DELAY
                + Mp3Frames.SAMPLES_PER_FRAME - 1) / Mp3Frames.SAMPLES_PER_FRAME;
        List<Mp3Frames.Frame> all = Mp3Frames.frames(encoded);
        assertThat(all.size()).isGreaterThanOrEqualTo(frames);
        byte[] audio = Arrays.copyOf(encoded, all.get(frames - 1).offset() + all.get(frames - 1).length());
        byte[] info = Mp3Frames.infoFrame(frames, Mp3Frames.INFO_FRAME_BYTES + audio.length,
                Mp3Frames.LAME_ENCODER_DELAY, Mp3Frames.padding(frames, SAMPLES));

        float[] tagged = decode(concat(info, audio));
        float[] untagged = decode(audio);

        assertThat(tagged).hasSize(SAMPLES);
        assertThat(lag(signal, tagged)).isZero();
        assertThat(lag(signal, untagged)).isEqualTo(Mp3Frames.LAME_ENCODER_DELAY + Mp3Frames.DECODER_DELAY);
        // ffmpeg trims whatever the tag's CRC; it names the encoder only when the CRC is right.
        Path file = Files.createTempFile(work, "tagged", ".mp3");
        Files.write(file, concat(info, audio));
        assertThat(run(FFMPEG, "-nostdin", "-hide_banner", "-v", "info", "-i", file.toString(), "-f", "null", "-"))
                .contains("encoder         : LAME3.100");
    }

    /** 0.4 s of two tones, then noise bursts of changing level and length: a single clear correlation peak. */
    private static short[] tonesAndNoiseBursts(Random random) {
        short[] samples = new short[SAMPLES];
        int toneEnd = RATE * 2 / 5;
        for (int i = 0; i < toneEnd; i++) {
            samples[i] = (short) (6000 * Math.sin(2 * Math.PI * 440 * i / RATE)
                    + 3000 * Math.sin(2 * Math.PI * 2500 * i / RATE));
        }
        for (int at = toneEnd; at < SAMPLES; ) {
            int burst = Math.min(SAMPLES - at, RATE / 50 + random.nextInt(RATE / 10));
            int peak = 500 + random.nextInt(12_000);
            for (int i = at; i < at + burst; i++) {
                samples[i] = (short) (random.nextInt(2 * peak + 1) - peak);
            }
            at += burst + random.nextInt(RATE / 20); // a pause of up to 50 ms
        }
        return samples;
    }

    /** The shift at which the decoded signal matches the original best (decoded[i + lag] ~ signal[i]). */
    private static int lag(short[] original, float[] decoded) {
        int from = RATE / 2;
        int length = RATE / 2;
        int bestLag = Integer.MIN_VALUE;
        double best = Double.NEGATIVE_INFINITY;
        for (int lag = -200; lag <= 1300; lag++) {
            double product = 0;
            double energy = 0;
            for (int i = from; i < from + length; i++) {
                int at = i + lag;
                double value = at >= 0 && at < decoded.length ? decoded[at] : 0;
                product += value * original[i];
                energy += value * value;
            }
            double correlation = product / Math.sqrt(energy + 1e-12);
            if (correlation > best) {
                best = correlation;
                bestLag = lag;
            }
        }
        return bestLag;
    }

    /** part2_3_length of both granules of a mono frame without CRC: the bits of its main data. */
    private static int mainDataBits(byte[] frame) {
        int bits = 0;
        for (int granule = 0; granule < 2; granule++) {
            int at = 32 + 18 + 59 * granule; // after the header, main_data_begin, private bits and scfsi
            int part23Length = 0;
            for (int i = at; i < at + 12; i++) {
                part23Length = (part23Length << 1) | ((frame[i >>> 3] >>> (7 - (i & 7))) & 1);
            }
            bits += part23Length;
        }
        return bits;
    }

    private static double rms(float[] samples) {
        double sum = 0;
        for (float sample : samples) {
            sum += sample * sample;
        }
        return Math.sqrt(sum / samples.length);
    }

    /** Decodes with ffmpeg to 32-bit float, which neither clips nor rounds a level change. */
    private static float[] decode(byte[] mp3) throws Exception {
        Path in = Files.createTempFile(work, "decode", ".mp3");
        Path out = Files.createTempFile(work, "decode", ".f32");
        Files.write(in, mp3);
        ffmpeg("-f", "mp3", "-i", in.toString(), "-f", "f32le", out.toString());
        FloatBuffer floats = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] samples = new float[floats.remaining()];
        floats.get(samples);
        return samples;
    }

    private static String ffmpegCrcErrors(byte[] mp3) throws Exception {
        Path in = Files.createTempFile(work, "crc", ".mp3");
        Files.write(in, mp3);
        return run(FFMPEG, "-nostdin", "-hide_banner", "-v", "error", "-err_detect", "crccheck", "-f", "mp3", "-i",
                in.toString(), "-f", "null", "-");
    }

    /** Runs ffmpeg and expects it to succeed without a word at the error level. */
    private static void ffmpeg(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(FFMPEG, "-nostdin", "-hide_banner", "-v", "error", "-y"));
        command.addAll(List.of(arguments));
        assertThat(run(command.toArray(String[]::new))).isEmpty();
    }

    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(log).isZero();
        return log.strip();
    }

    private static byte[] s16le(short[] samples) {
        ByteBuffer bytes = ByteBuffer.allocate(2 * samples.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asShortBuffer().put(samples);
        return bytes.array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }
}
