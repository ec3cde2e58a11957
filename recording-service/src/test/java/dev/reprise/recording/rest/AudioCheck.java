package dev.reprise.recording.rest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the recording tests check the output with: a real decoder (ffmpeg, not our code), loudness as ffmpeg's
 * EBU R128 meter reads it, and where a known piece of audio sits in a decoded file, by cross-correlation.
 */
final class AudioCheck {

    static final String FFMPEG = System.getProperty("reprise.test.ffmpeg", "ffmpeg");
    static final Path LIBRIVOX = Path.of("/usr/share/pocketsphinx/test/data/librivox");

    private AudioCheck() {
    }

    /** Any file ffmpeg reads, as 48 kHz mono s16le samples. */
    static short[] decode(Path file) throws Exception {
        byte[] pcm = ffmpeg(List.of("-i", file.toString(), "-f", "s16le", "-ac", "1", "-ar", "48000", "pipe:1"))
                .stdout();
        short[] samples = new short[pcm.length / 2];
        ByteBuffer.wrap(pcm).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(samples);
        return samples;
    }

    /** A LibriVox utterance of Debian's pocketsphinx-testdata (real read speech), at 48 kHz. */
    static short[] librivox(String id) throws Exception {
        return decode(LIBRIVOX.resolve("sense_and_sensibility_01_austen_64kb-" + id + ".wav"));
    }

    /** Integrated loudness (LUFS) of a file by ffmpeg's ebur128 filter. */
    static double loudness(Path file) throws Exception {
        String log = new String(ffmpeg(List.of("-nostats", "-i", file.toString(), "-af", "ebur128", "-f", "null",
                "-")).stderr(), StandardCharsets.UTF_8);
        Matcher summary = Pattern.compile("Integrated loudness:\\s+I:\\s+(-?[0-9.]+) LUFS").matcher(log);
        if (!summary.find()) {
            throw new AssertionError("no loudness in ffmpeg's output: " + log);
        }
        return Double.parseDouble(summary.group(1));
    }

    /**
     * Where {@code needle} sits in {@code haystack}, searched within {@code expected ± range} samples: the offset
     * of the highest normalized cross-correlation, and that correlation (1 = the same waveform up to a gain).
     */
    static Match find(short[] haystack, short[] needle, long expected, int range) {
        int from = (int) Math.max(0, expected - range);
        int lags = (int) Math.min(2L * range + 1, haystack.length - from - needle.length + 1);
        if (lags <= 0) {
            return new Match(-1, 0);
        }
        int size = Integer.highestOneBit(needle.length + lags) * 2;
        double[] hRe = new double[size];
        double[] hIm = new double[size];
        double[] nRe = new double[size];
        double[] nIm = new double[size];
        for (int i = 0; i < needle.length + lags - 1; i++) {
            hRe[i] = haystack[from + i];
        }
        double needleEnergy = 0;
        for (int i = 0; i < needle.length; i++) {
            nRe[i] = needle[i];
            needleEnergy += (double) needle[i] * needle[i];
        }
        fft(hRe, hIm, false);
        fft(nRe, nIm, false);
        for (int i = 0; i < size; i++) {
            // H · conj(N): the correlation of the haystack with the needle at every lag
            double re = hRe[i] * nRe[i] + hIm[i] * nIm[i];
            double im = hIm[i] * nRe[i] - hRe[i] * nIm[i];
            hRe[i] = re;
            hIm[i] = im;
        }
        fft(hRe, hIm, true);
        double[] prefix = new double[needle.length + lags];
        for (int i = 0; i < needle.length + lags - 1; i++) {
            double h = haystack[from + i];
            prefix[i + 1] = prefix[i] + h * h;
        }
        Match best = new Match(-1, -2);
        for (int lag = 0; lag < lags; lag++) {
            double energy = prefix[lag + needle.length] - prefix[lag];
            double correlation = energy <= 0 ? 0 : hRe[lag] / size / Math.sqrt(energy * needleEnergy);
            if (correlation > best.correlation()) {
                best = new Match(from + lag, correlation);
            }
        }
        return best;
    }

    /** In-place radix-2 FFT (inverse without the 1/n, which the caller applies). */
    private static void fft(double[] re, double[] im, boolean inverse) {
        int n = re.length;
        for (int i = 1, j = 0; i < n; i++) {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) {
                j ^= bit;
            }
            j ^= bit;
            if (i < j) {
                double t = re[i];
                re[i] = re[j];
                re[j] = t;
                t = im[i];
                im[i] = im[j];
                im[j] = t;
            }
        }
        for (int length = 2; length <= n; length <<= 1) {
            double angle = 2 * Math.PI / length * (inverse ? 1 : -1);
            double wRe = Math.cos(angle);
            double wIm = Math.sin(angle);
            for (int i = 0; i < n; i += length) {
                double uRe = 1;
                double uIm = 0;
                for (int k = 0; k < length / 2; k++) {
                    int a = i + k;
                    int b = a + length / 2;
                    double vRe = re[b] * uRe - im[b] * uIm;
                    double vIm = re[b] * uIm + im[b] * uRe;
                    re[b] = re[a] - vRe;
                    im[b] = im[a] - vIm;
                    re[a] += vRe;
                    im[a] += vIm;
                    double next = uRe * wRe - uIm * wIm;
                    uIm = uRe * wIm + uIm * wRe;
                    uRe = next;
                }
            }
        }
    }

    record Match(long offset, double correlation) {
    }

    /** RMS level in dBFS of {@code samples[from, to)}. */
    static double levelDbfs(short[] samples, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += (double) samples[i] * samples[i];
        }
        return 10 * Math.log10(Math.max(sum / Math.max(1, to - from), 1e-9) / (32768.0 * 32768.0));
    }

    /** First and last 20 ms frame at or above {@code dbfs}, in samples (start of first, end of last). */
    static long[] voiced(short[] samples, double dbfs) {
        int frame = 960;
        long first = -1;
        long last = -1;
        for (int at = 0; at + frame <= samples.length; at += frame) {
            if (levelDbfs(samples, at, at + frame) >= dbfs) {
                if (first < 0) {
                    first = at;
                }
                last = at + frame;
            }
        }
        return new long[] { first, last };
    }

    static short[] scaled(short[] samples, double gain) {
        short[] out = new short[samples.length];
        for (int i = 0; i < samples.length; i++) {
            out[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(samples[i] * gain)));
        }
        return out;
    }

    record Output(byte[] stdout, byte[] stderr) {
    }

    static Output ffmpeg(List<String> arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(FFMPEG, "-hide_banner", "-nostdin"));
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("ffmpeg took too long: " + command);
        }
        if (process.exitValue() != 0) {
            throw new AssertionError("ffmpeg failed: " + command + "\n" + new String(err.get(),
                    StandardCharsets.UTF_8));
        }
        return new Output(out.get(), err.get());
    }

    static Path write(Path dir, String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    private static byte[] readAll(java.io.InputStream stream) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            stream.transferTo(bytes);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Milliseconds from {@code zero} to now. */
    static long millisSince(java.time.Instant zero) {
        return java.time.Duration.between(zero, java.time.Instant.now()).toMillis();
    }

    /** Samples at 48 kHz in {@code millis}. */
    static long samples(long millis) {
        return millis * 48_000 / 1000;
    }

    /** Milliseconds of {@code samples} at 48 kHz. */
    static long millis(long samples) {
        return samples * 1000 / 48_000;
    }
}
