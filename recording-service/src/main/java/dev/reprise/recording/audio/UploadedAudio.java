package dev.reprise.recording.audio;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * Reads an uploaded chunk into mono samples at 48 kHz: WAV (PCM, 16-bit, 48 kHz, one or two channels) and raw
 * {@code audio/x-raw} (s16le, {@code rate} and {@code channels} parameters) here; Ogg (Opus) through ffmpeg,
 * which the caller runs. What cannot be read is refused, never stored: {@link Unsupported} for another format or
 * sample rate (415), {@link Corrupt} for bytes that are not what they claim (400).
 */
public final class UploadedAudio {

    public static final class Unsupported extends IllegalArgumentException {
        public Unsupported(String message) {
            super(message);
        }
    }

    public static final class Corrupt extends IllegalArgumentException {
        public Corrupt(String message) {
            super(message);
        }
    }

    /** The kinds of body: PCM read here, or Ogg for ffmpeg. */
    public enum Kind { WAV, RAW, OGG }

    private UploadedAudio() {
    }

    public static Kind kind(String contentType) {
        String type = contentType == null ? "" : contentType.split(";")[0].strip().toLowerCase(Locale.ROOT);
        return switch (type) {
            case "audio/wav", "audio/wave", "audio/x-wav", "audio/vnd.wave" -> Kind.WAV;
            case "audio/x-raw" -> Kind.RAW;
            case "audio/ogg", "audio/opus", "application/ogg" -> Kind.OGG;
            default -> throw new Unsupported("Chunks are audio/wav (PCM 16-bit, 48 kHz), audio/x-raw (s16le, 48 kHz)"
                    + " or audio/ogg (Opus), not " + (type.isEmpty() ? "a body without a Content-Type" : type) + ".");
        };
    }

    /** A WAV file's PCM as mono samples. */
    public static short[] wav(byte[] body) {
        ByteBuffer in = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        if (body.length < 12 || in.getInt(0) != 0x46464952 || in.getInt(8) != 0x45564157) { // "RIFF", "WAVE"
            throw new Corrupt("The body is not a WAV file (no RIFF/WAVE header).");
        }
        int at = 12;
        int channels = -1;
        while (at + 8 <= body.length) {
            int id = in.getInt(at);
            long size = Integer.toUnsignedLong(in.getInt(at + 4));
            int content = at + 8;
            if (content + size > body.length) {
                throw new Corrupt("The WAV file is truncated: a chunk runs past its end.");
            }
            if (id == 0x20746d66) { // "fmt "
                if (size < 16) {
                    throw new Corrupt("The WAV file's format chunk is too short.");
                }
                int format = Short.toUnsignedInt(in.getShort(content));
                channels = Short.toUnsignedInt(in.getShort(content + 2));
                int rate = in.getInt(content + 4);
                int bits = Short.toUnsignedInt(in.getShort(content + 14));
                boolean pcm = format == 1 || (format == 0xFFFE && size >= 26 && in.getShort(content + 24) == 1);
                if (!pcm || bits != 16) {
                    throw new Unsupported("WAV chunks must be 16-bit PCM, not format " + format + " with " + bits
                            + " bits.");
                }
                if (rate != Pcm.SAMPLE_RATE) {
                    throw new Unsupported("The sample rate must be 48000 Hz, not " + rate + ".");
                }
                if (channels < 1 || channels > 2) {
                    throw new Unsupported("Chunks have one or two channels, not " + channels + ".");
                }
            } else if (id == 0x61746164) { // "data"
                if (channels < 0) {
                    throw new Corrupt("The WAV file has its data before its format.");
                }
                return toMono(body, content, (int) size, channels);
            }
            at = content + (int) size + (int) (size & 1);
        }
        throw new Corrupt("The WAV file has no data chunk.");
    }

    /** Raw s16le with the media type's {@code rate} (must be 48000) and {@code channels} (1 or 2, default 2). */
    public static short[] raw(byte[] body, String contentType) {
        return toMono(body, 0, body.length, rawChannels(contentType, 2));
    }

    /**
     * The channel count an {@code audio/x-raw} media type states ({@code defaultChannels} if none), checking its
     * other parameters: {@code rate} must be 48000 and {@code format} S16LE.
     *
     * @throws Unsupported for another type, rate, format or channel count
     */
    public static int rawChannels(String contentType, int defaultChannels) {
        String[] parts = contentType.split(";");
        if (!parts[0].strip().equalsIgnoreCase("audio/x-raw")) {
            throw new Unsupported("The media type must be audio/x-raw (16-bit PCM at 48 kHz), not "
                    + contentType.strip() + ".");
        }
        int channels = defaultChannels;
        for (int i = 1; i < parts.length; i++) {
            String[] parameter = parts[i].split("=", 2);
            String name = parameter[0].strip().toLowerCase(Locale.ROOT);
            String value = parameter.length > 1 ? parameter[1].strip() : "";
            if (name.equals("rate") && !value.equals("48000")) {
                throw new Unsupported("The sample rate must be 48000 Hz, not " + value + ".");
            }
            if (name.equals("format") && !value.equalsIgnoreCase("S16LE")) {
                throw new Unsupported("The sample format must be S16LE, not " + value + ".");
            }
            if (name.equals("channels")) {
                if (!value.equals("1") && !value.equals("2")) {
                    throw new Unsupported("Audio has one or two channels, not " + value + ".");
                }
                channels = Integer.parseInt(value);
            }
        }
        return channels;
    }

    private static short[] toMono(byte[] body, int offset, int length, int channels) {
        try {
            return Pcm.toMono(body, offset, length, channels);
        } catch (IllegalArgumentException partialFrame) {
            throw new Corrupt(partialFrame.getMessage() + ".");
        }
    }

    /** Whether the body begins like an Ogg stream ("OggS"), before ffmpeg is asked to read it. */
    public static void requireOgg(byte[] body) {
        if (body.length < 4 || body[0] != 'O' || body[1] != 'g' || body[2] != 'g' || body[3] != 'S') {
            throw new Corrupt("The body is not an Ogg stream.");
        }
    }
}
