package dev.reprise.recording.service;

import dev.reprise.recording.audio.Loudness;
import dev.reprise.recording.audio.Mp3Frames;
import dev.reprise.recording.audio.MixWindows;
import dev.reprise.recording.audio.Ogg;
import dev.reprise.recording.config.RecordingConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes one window (pre-roll, window, post-roll of s16le mono PCM in files) with one ffmpeg run: the mix to Opus
 * and MP3, each voiced track to Opus, and keeps the packets the window owns ({@link MixWindows}).
 */
@ApplicationScoped
public class WindowEncoder {

    /** LAME's output at this rate is constant: 192-byte frames, which {@link Mp3Frames#infoFrame} describes. */
    public static final int MP3_BITRATE = 64_000;

    private final Ffmpeg ffmpeg;
    private final RecordingConfig.Mix config;
    private volatile List<byte[]> silentTrack;

    public WindowEncoder(Ffmpeg ffmpeg, RecordingConfig config) {
        this.ffmpeg = ffmpeg;
        this.config = config.mix();
    }

    /** A window's packets: all of each stream from the first one it owns on (the caller cuts the tail). */
    /**
     * @param mp3Loudness K-weighted mean squares per 100 ms of the window's MP3 as a decoder plays it: MP3's gain
     *                    can only move in steps of 1.5 dB, and the encoder's low-pass takes some loudness away, so
     *                    the MP3 is normalized by its own measure
     */
    public record Encoded(List<byte[]> mixOpus, List<byte[]> mixMp3, Map<String, List<byte[]>> tracks,
            float[] mp3Loudness) {
    }

    /**
     * @param mix    the mix's PCM file
     * @param tracks each voiced track's PCM file, by speaker
     * @param windowLength samples of the window itself (without pre- and post-roll)
     * @param work   a directory for ffmpeg's output
     */
    public Encoded encode(Path mix, Map<String, Path> tracks, int windowLength, Path work) throws IOException {
        List<String> arguments = new ArrayList<>();
        input(arguments, mix);
        for (Path track : tracks.values()) {
            input(arguments, track);
        }
        Path mixOgg = work.resolve("mix.ogg");
        Path mixMp3 = work.resolve("mix.mp3");
        opus(arguments, 0, config.mixOpusBitrate(), mixOgg);
        arguments.addAll(List.of("-map", "0:a", "-c:a", "libmp3lame", "-b:a", String.valueOf(MP3_BITRATE),
                "-reservoir", "0", "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3", mixMp3.toString()));
        Map<String, Path> trackOggs = new LinkedHashMap<>();
        int input = 1;
        for (String speaker : tracks.keySet()) {
            Path ogg = work.resolve("track-" + input + ".ogg");
            opus(arguments, input++, config.trackOpusBitrate(), ogg);
            trackOggs.put(speaker, ogg);
        }
        ffmpeg.runFiles(arguments);
        Map<String, List<byte[]>> trackPackets = new LinkedHashMap<>();
        for (Map.Entry<String, Path> ogg : trackOggs.entrySet()) {
            List<byte[]> packets = opusPackets(Files.readAllBytes(ogg.getValue()));
            trackPackets.put(ogg.getKey(), packets.subList(MixWindows.opusSkip(), packets.size()));
        }
        byte[] mp3 = Files.readAllBytes(mixMp3);
        // Decoded sample i + MP3_DELAY is input sample i: the window's own stretch, with the pre-roll to warm up on.
        short[] decoded = ffmpeg.decodeFile(mixMp3);
        int from = MixWindows.MP3_DELAY + MixWindows.PRE_ROLL;
        float[] mp3Loudness = Loudness.blockMeanSquares(decoded, from, Math.min(windowLength,
                decoded.length - from));
        List<byte[]> frames = new ArrayList<>();
        for (Mp3Frames.Frame frame : Mp3Frames.frames(mp3)) {
            frames.add(java.util.Arrays.copyOfRange(mp3, frame.offset(), frame.offset() + frame.length()));
        }
        List<byte[]> mixPackets = opusPackets(Files.readAllBytes(mixOgg));
        return new Encoded(mixPackets.subList(MixWindows.opusSkip(), mixPackets.size()),
                frames.subList(MixWindows.mp3Skip(), frames.size()), trackPackets, mp3Loudness);
    }

    /**
     * A track's packets for a window in which the speaker made no sound: the same for every window, so encoded
     * once.
     */
    public List<byte[]> silentTrack(int windowSamples, Path work) throws IOException {
        List<byte[]> silent = silentTrack;
        if (silent == null) {
            Path pcm = work.resolve("silence.pcm");
            Files.write(pcm, new byte[2 * (MixWindows.PRE_ROLL + windowSamples + MixWindows.POST_ROLL)]);
            List<String> arguments = new ArrayList<>();
            input(arguments, pcm);
            Path ogg = work.resolve("silence.ogg");
            opus(arguments, 0, config.trackOpusBitrate(), ogg);
            ffmpeg.runFiles(arguments);
            silent = opusPackets(Files.readAllBytes(ogg));
            silent = silent.subList(MixWindows.opusSkip(), silent.size());
            silentTrack = silent;
        }
        return silent;
    }

    private static void input(List<String> arguments, Path pcm) {
        arguments.addAll(List.of("-f", "s16le", "-ar", "48000", "-ac", "1", "-i", pcm.toString()));
    }

    /**
     * CELT only ({@code lowdelay}): a fresh encoder's first packets are then what a running one would have made.
     * In the default mode libopus starts every stream in hybrid SILK mode and switches later, which left audible
     * seams at the joins (tones fell from 44 to 6 dB SNR around them).
     */
    private static void opus(List<String> arguments, int input, int bitrate, Path out) {
        arguments.addAll(List.of("-map", input + ":a", "-c:a", "libopus", "-b:a", String.valueOf(bitrate),
                "-frame_duration", "20", "-application", "lowdelay", "-f", "ogg", out.toString()));
    }

    /** The audio packets of an Ogg Opus stream ffmpeg wrote, checked to have the pre-skip the joins rely on. */
    private static List<byte[]> opusPackets(byte[] ogg) {
        List<byte[]> packets = Ogg.packets(ogg);
        if (packets.size() < 2 || Ogg.opusPreSkip(packets.get(0)) != MixWindows.OPUS_PRE_SKIP) {
            throw new IllegalStateException("ffmpeg's Opus encoder has another look-ahead than "
                    + MixWindows.OPUS_PRE_SKIP + " samples: windows would not join");
        }
        return packets.subList(2, packets.size());
    }
}
