package dev.reprise.recording.audio;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * MPEG-1 Layer III frames at 48 kHz, as libmp3lame writes them: found in a byte stream, made louder or quieter in
 * place, and preceded by a LAME "Info" frame so that players trim the codec's delay and padding.
 *
 * <p>Windows of a recording are encoded separately and their frames joined, so the parser is strict: anything that
 * is not a whole 48 kHz MPEG-1 Layer III frame (an ID3 tag, junk, free format, a cut-off last frame) is an error,
 * never skipped, because a silently dropped frame would shift everything after it by 24 ms.
 */
public final class Mp3Frames {

    public static final int SAMPLE_RATE = 48_000;
    public static final int SAMPLES_PER_FRAME = 1152;
    /**
     * What every MPEG-1 Layer III decoder adds in front of the signal (the synthesis filterbank). LAME's own encoder
     * delay comes on top of it; a LAME tag carries only the encoder's part and players add this one.
     */
    public static final int DECODER_DELAY = 529;
    /** libmp3lame's encoder delay at 48 kHz; with {@link #DECODER_DELAY}, decoded sample i is input sample i-1105. */
    public static final int LAME_ENCODER_DELAY = 576;
    /** 48 kHz mono 64 kbps CBR without CRC, the one layout {@link #infoFrame} writes. */
    public static final int INFO_FRAME_BYTES = 192;

    /** kbps by bitrate index for MPEG-1 Layer III; 0 (free format) and 15 are not allowed. */
    private static final int[] BITRATES_KBPS = {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0};
    private static final int HEADER_BYTES = 4;
    private static final int CRC_BYTES = 2;
    private static final int GRANULES = 2;
    private static final int GRANULE_INFO_BITS = 59;
    /** global_gain follows part2_3_length (12 bits), big_values (9). */
    private static final int GLOBAL_GAIN_IN_GRANULE = 21;

    // The Info frame, for MPEG-1 mono: the tag follows the 4-byte header and 17 bytes of side information.
    private static final int TAG_AT = HEADER_BYTES + 17;
    private static final int XING_FLAGS_ALL = 0x0F; // frames, bytes, TOC, quality: fixed offsets for every reader
    private static final int TOC_ENTRIES = 100;
    private static final int LAME_AT = TAG_AT + 4 + 4 + 4 + 4 + TOC_ENTRIES + 4;
    private static final byte[] ENCODER_VERSION = "LAME3.100".getBytes(StandardCharsets.US_ASCII);
    private static final int LAME_TAG_CRC_AT = LAME_AT + 34;
    private static final int MAX_12_BITS = 0xFFF;

    /** One frame: where it starts in the byte array and how many bytes it has. */
    public record Frame(int offset, int length) {
    }

    private Mp3Frames() {
    }

    /**
     * Every frame of {@code data}, which must be nothing but back-to-back frames.
     *
     * @throws IllegalArgumentException at the first byte that does not begin a whole 48 kHz MPEG-1 Layer III frame
     */
    public static List<Frame> frames(byte[] data) {
        return frames(data, 0, data.length);
    }

    /** As {@link #frames(byte[])}, for {@code length} bytes from {@code offset}. */
    public static List<Frame> frames(byte[] data, int offset, int length) {
        int end = offset + length;
        if (offset < 0 || length < 0 || end > data.length) {
            throw new IndexOutOfBoundsException(offset + "+" + length + " of " + data.length);
        }
        List<Frame> frames = new ArrayList<>(length / INFO_FRAME_BYTES + 1);
        for (int at = offset; at < end; ) {
            int frameLength = frameLength(data, at, end);
            frames.add(new Frame(at, frameLength));
            at += frameLength;
        }
        return frames;
    }

    /**
     * The length of the frame whose header is at {@code offset}.
     *
     * @throws IllegalArgumentException if no whole 48 kHz MPEG-1 Layer III frame starts there
     */
    public static int frameLength(byte[] data, int offset) {
        return frameLength(data, offset, data.length);
    }

    private static int frameLength(byte[] data, int offset, int end) {
        if (end - offset < HEADER_BYTES) {
            throw new IllegalArgumentException("truncated frame header at byte " + offset);
        }
        int b1 = data[offset + 1] & 0xFF;
        int b2 = data[offset + 2] & 0xFF;
        // 11 sync bits, version 11 (MPEG-1), layer 01 (III); the protection bit is free.
        if ((data[offset] & 0xFF) != 0xFF || (b1 & 0xFE) != 0xFA) {
            throw new IllegalArgumentException(String.format(
                    "no MPEG-1 Layer III frame at byte %d (%02X %02X)", offset, data[offset] & 0xFF, b1));
        }
        int kbps = BITRATES_KBPS[b2 >>> 4];
        if (kbps == 0) {
            throw new IllegalArgumentException("free-format or invalid bitrate index " + (b2 >>> 4)
                    + " at byte " + offset);
        }
        if (((b2 >>> 2) & 3) != 1) {
            throw new IllegalArgumentException("sample rate is not 48 kHz (index " + ((b2 >>> 2) & 3)
                    + ") at byte " + offset);
        }
        // 1152 samples * bitrate / 8 bits / 48000 Hz = 3 bytes per kbps; the padding bit adds one byte.
        int length = 3 * kbps + ((b2 >>> 1) & 1);
        if (length > end - offset) {
            throw new IllegalArgumentException("truncated frame at byte " + offset + ": " + length + " bytes, "
                    + (end - offset) + " left");
        }
        return length;
    }

    /**
     * Makes one frame louder ({@code steps} &gt; 0) or quieter by changing global_gain of each of its granules and
     * channels; each step is 2^(1/4) in amplitude, 1.505 dB. The gain is an 8-bit field, so it is clamped to
     * 0..255: a granule already at an end is changed less (only near-silent or clipping audio gets there).
     *
     * <p>If the frame carries a CRC (protection bit 0), the CRC is recomputed, since it covers the side
     * information where the gain lives; a decoder that checks it would otherwise drop the frame.
     *
     * @throws IllegalArgumentException if no 48 kHz MPEG-1 Layer III frame starts at {@code frameOffset}
     */
    public static void addGain(byte[] data, int frameOffset, int steps) {
        frameLength(data, frameOffset);
        boolean protectedByCrc = (data[frameOffset + 1] & 1) == 0;
        boolean mono = ((data[frameOffset + 3] & 0xFF) >>> 6) == 3;
        int channels = mono ? 1 : 2;
        int sideInfoAt = frameOffset + HEADER_BYTES + (protectedByCrc ? CRC_BYTES : 0);
        // main_data_begin (9 bits), private bits (5 mono, 3 stereo), scfsi (4 per channel), then the granules.
        int granulesAtBit = 9 + (mono ? 5 : 3) + 4 * channels;
        for (int granule = 0; granule < GRANULES * channels; granule++) {
            int bit = granulesAtBit + granule * GRANULE_INFO_BITS + GLOBAL_GAIN_IN_GRANULE;
            int gain = readBits(data, sideInfoAt, bit, 8);
            writeBits(data, sideInfoAt, bit, 8, Math.max(0, Math.min(255, gain + steps)));
        }
        if (protectedByCrc) {
            int crc = frameCrc(data, frameOffset, mono ? 17 : 32);
            data[frameOffset + 4] = (byte) (crc >>> 8);
            data[frameOffset + 5] = (byte) crc;
        }
    }

    /**
     * A LAME "Info" frame (the Xing tag of a CBR file) to put in front of {@code frames} frames of 48 kHz mono
     * 64 kbps CBR audio without CRC. Players that read LAME's gapless fields (ffmpeg among them) skip the frame
     * itself, drop {@code encoderDelay} + 529 samples at the start and {@code padding} - 529 at the end, so the
     * decoded length is {@code frames * 1152 - encoderDelay - padding}; a player that does not know the tag decodes
     * it as 1152 samples of silence.
     *
     * @param frames       audio frames that follow, this one not counted (as ffmpeg's own muxer counts them)
     * @param bytes        the whole stream's size, this frame included (ffmpeg stops trusting {@code frames} if
     *                     the file is more than 1/16 longer than this, and then trims only the start)
     * @param encoderDelay samples the encoder put in front of the signal, without the decoder's 529: 576 for
     *                     libmp3lame; 0..4095
     * @param padding      {@code frames * 1152 - encoderDelay - samples wanted}, LAME's measure, which includes the
     *                     decoder's 529 ({@link #padding} computes it); 529..4095 for ffmpeg to trim the end exactly
     */
    public static byte[] infoFrame(long frames, long bytes, int encoderDelay, int padding) {
        if (frames < 0 || frames > 0xFFFF_FFFFL || bytes < 0 || bytes > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("frames and bytes must fit 32 bits: " + frames + ", " + bytes);
        }
        if (encoderDelay < 0 || encoderDelay > MAX_12_BITS || padding < 0 || padding > MAX_12_BITS) {
            throw new IllegalArgumentException("delay and padding must fit 12 bits: " + encoderDelay + ", "
                    + padding);
        }
        byte[] frame = new byte[INFO_FRAME_BYTES];
        // MPEG-1 Layer III without CRC, 64 kbps, 48 kHz, no padding, mono, original: the same as libmp3lame's frames.
        frame[0] = (byte) 0xFF;
        frame[1] = (byte) 0xFB;
        frame[2] = (byte) 0x54;
        frame[3] = (byte) 0xC4;
        // The side information stays zero: a decoder that plays this frame plays silence.
        int at = TAG_AT;
        at = putAscii(frame, at, "Info"); // "Info" rather than "Xing" tells readers the file is CBR
        at = putInt(frame, at, XING_FLAGS_ALL);
        at = putInt(frame, at, frames);
        at = putInt(frame, at, bytes);
        for (int i = 0; i < TOC_ENTRIES; i++) {
            frame[at++] = (byte) (i * 256 / TOC_ENTRIES); // CBR: byte position grows evenly with time
        }
        at = putInt(frame, at, 0); // VBR quality: meaningless for CBR
        System.arraycopy(ENCODER_VERSION, 0, frame, at, ENCODER_VERSION.length);
        at += ENCODER_VERSION.length;
        frame[at++] = 0x01; // tag revision 0, VBR method 1 = constant bitrate
        frame[at++] = 0; // lowpass unknown
        at = putInt(frame, at, 0); // peak signal unknown
        at += 2 + 2; // radio and audiophile ReplayGain: not set
        frame[at++] = 0; // encoding flags, ATH type
        frame[at++] = 64; // CBR: the bitrate in kbps
        // The gapless fields: 12 bits of encoder delay, 12 bits of padding.
        frame[at++] = (byte) (encoderDelay >>> 4);
        frame[at++] = (byte) ((encoderDelay << 4) | (padding >>> 8));
        frame[at++] = (byte) padding;
        frame[at++] = (byte) 0x80; // misc: source sample rate 48 kHz, mono, no noise shaping
        frame[at++] = 0; // MP3Gain
        at += 2; // preset and surround: none
        at = putInt(frame, at, bytes); // music length, counted from this frame as LAME does
        at += 2; // music CRC: left 0, the frames are not known here; ffmpeg does not read it
        int crc = crc16Arc(frame, 0, LAME_TAG_CRC_AT);
        frame[at] = (byte) (crc >>> 8);
        frame[at + 1] = (byte) crc;
        return frame;
    }

    /**
     * The {@code padding} of {@link #infoFrame} for {@code frames} frames of libmp3lame output that should decode to
     * exactly {@code samples}.
     *
     * @throws IllegalArgumentException if the frames do not cover the samples plus the codec's 1105-sample delay, or
     *                                  cover them with more than a frame to spare
     */
    public static int padding(long frames, long samples) {
        long padding = frames * SAMPLES_PER_FRAME - LAME_ENCODER_DELAY - samples;
        if (padding < DECODER_DELAY || padding >= DECODER_DELAY + SAMPLES_PER_FRAME) {
            throw new IllegalArgumentException(frames + " frames do not end just after " + samples + " samples");
        }
        return (int) padding;
    }

    /** The CRC-16 MPEG audio puts after the header: the header's last two bytes and the side information. */
    private static int frameCrc(byte[] data, int frameOffset, int sideInfoBytes) {
        int crc = 0xFFFF;
        crc = crc16Mpeg(crc, data, frameOffset + 2, 2);
        return crc16Mpeg(crc, data, frameOffset + HEADER_BYTES + CRC_BYTES, sideInfoBytes);
    }

    /** CRC-16 polynomial 0x8005, most significant bit first: the frame CRC of MPEG audio. */
    private static int crc16Mpeg(int crc, byte[] data, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            crc ^= (data[i] & 0xFF) << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x8005 : crc << 1;
            }
        }
        return crc & 0xFFFF;
    }

    /** CRC-16/ARC (0x8005 reflected, initial 0): the LAME tag's own CRC, over the frame up to that field. */
    private static int crc16Arc(byte[] data, int offset, int length) {
        int crc = 0;
        for (int i = offset; i < offset + length; i++) {
            crc ^= data[i] & 0xFF;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0xA001 : crc >>> 1;
            }
        }
        return crc;
    }

    private static int readBits(byte[] data, int base, int bit, int count) {
        int value = 0;
        for (int i = bit; i < bit + count; i++) {
            value = (value << 1) | ((data[base + (i >>> 3)] >>> (7 - (i & 7))) & 1);
        }
        return value;
    }

    private static void writeBits(byte[] data, int base, int bit, int count, int value) {
        for (int i = bit + count - 1; i >= bit; i--, value >>>= 1) {
            int mask = 1 << (7 - (i & 7));
            int at = base + (i >>> 3);
            data[at] = (byte) ((value & 1) != 0 ? data[at] | mask : data[at] & ~mask);
        }
    }

    private static int putAscii(byte[] frame, int at, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, frame, at, bytes.length);
        return at + bytes.length;
    }

    private static int putInt(byte[] frame, int at, long value) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            frame[at++] = (byte) (value >>> shift);
        }
        return at;
    }
}
