package dev.reprise.recording.service;

import dev.reprise.recording.audio.UploadedAudio;
import dev.reprise.recording.config.RecordingConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs ffmpeg (a separate process: a crash or a hostile file cannot take the service down) on audio in memory. */
@ApplicationScoped
public class Ffmpeg {

    private final RecordingConfig.Audio config;

    public Ffmpeg(RecordingConfig config) {
        this.config = config.audio();
    }

    /** An Ogg stream (Opus, or Vorbis) decoded to mono s16le at 48 kHz. */
    public short[] decodeOgg(byte[] ogg) {
        UploadedAudio.requireOgg(ogg);
        byte[] pcm = run(List.of(config.ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "ogg",
                "-i", "pipe:0", "-f", "s16le", "-ac", "1", "-ar", "48000", "pipe:1"), ogg);
        short[] samples = new short[pcm.length / 2];
        ByteBuffer.wrap(pcm).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(samples);
        return samples;
    }

    /** An audio file ffmpeg reads, decoded to mono s16le at 48 kHz. */
    public short[] decodeFile(java.nio.file.Path file) {
        byte[] pcm = run(List.of(config.ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i",
                file.toString(), "-f", "s16le", "-ac", "1", "-ar", "48000", "pipe:1"), new byte[0]);
        short[] samples = new short[pcm.length / 2];
        ByteBuffer.wrap(pcm).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(samples);
        return samples;
    }

    /** Runs ffmpeg with {@code arguments} (after the executable), files in and out; fails with its first error. */
    public void runFiles(List<String> arguments) {
        List<String> command = new java.util.ArrayList<>();
        command.add(config.ffmpeg());
        command.addAll(List.of("-hide_banner", "-nostdin", "-loglevel", "error", "-y"));
        command.addAll(arguments);
        run(command, new byte[0]);
    }

    private byte[] run(List<String> command, byte[] input) {
        Process process;
        try {
            process = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0) + " (reprise.recording.audio.ffmpeg)", e);
        }
        CompletableFuture<Void> feeding = CompletableFuture.runAsync(() -> {
            try (OutputStream stdin = process.getOutputStream()) {
                stdin.write(input);
            } catch (IOException stoppedReading) {
                // ffmpeg gave up on the input: its exit status says why
            }
        });
        CompletableFuture<String> errors = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> {
            try {
                return process.getInputStream().readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            if (!process.waitFor(config.ffmpegTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new UploadedAudio.Corrupt("Decoding the audio took longer than " + config.ffmpegTimeout() + ".");
            }
            feeding.join();
            if (process.exitValue() != 0) {
                String reason = errors.join().lines().findFirst().orElse("exit status " + process.exitValue());
                throw new UploadedAudio.Corrupt("The audio cannot be decoded: " + reason);
            }
            return output.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException(e);
        }
    }

    private static String readAll(InputStream stream) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            stream.transferTo(bytes);
            return bytes.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
