package dev.reprise.recording.audio;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A sealed piece of one speaker's track as stored in object storage: the span of the time line it covers, and the
 * audio of that span that is not silence, as runs of samples at their positions. Everything between runs is
 * silence. The header lists the runs, so a reader can fetch just the byte range of the runs it needs.
 *
 * <pre>
 * "RSG1" | int64 start | int64 end | int32 runs | runs × (int64 position, int32 samples) | PCM of each run in order
 * </pre>
 * Big-endian header; the PCM is s16le mono at 48 kHz ({@link Pcm}).
 */
public record TrackSegment(long start, long end, List<Run> runs) {

    public static final int MAGIC = 0x52534731; // "RSG1"

    /** {@code samples} of audio beginning at {@code position}, in samples of the time line. */
    public record Run(long position, short[] samples) {
        public long end() {
            return position + samples.length;
        }
    }

    public TrackSegment {
        runs = List.copyOf(runs);
        long previousEnd = start;
        for (Run run : runs) {
            if (run.position() < previousEnd || run.end() > end) {
                throw new IllegalArgumentException("runs must be in order, apart, and inside [" + start + ", " + end
                        + ")");
            }
            previousEnd = run.end();
        }
    }

    public long voicedSamples() {
        return runs.stream().mapToLong(run -> run.samples().length).sum();
    }

    /** Length of the header, and so the offset of the first run's PCM. */
    public static int headerBytes(int runs) {
        return 4 + 8 + 8 + 4 + runs * 12;
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(headerBytes(runs.size())
                + (int) voicedSamples() * Pcm.BYTES_PER_SAMPLE);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeLong(start);
            out.writeLong(end);
            out.writeInt(runs.size());
            for (Run run : runs) {
                out.writeLong(run.position());
                out.writeInt(run.samples().length);
            }
            byte[] pcm = new byte[8192];
            for (Run run : runs) {
                short[] samples = run.samples();
                for (int at = 0; at < samples.length; ) {
                    int n = Math.min(pcm.length / 2, samples.length - at);
                    for (int i = 0; i < n; i++) {
                        short sample = samples[at + i];
                        pcm[2 * i] = (byte) sample;
                        pcm[2 * i + 1] = (byte) (sample >> 8);
                    }
                    out.write(pcm, 0, 2 * n);
                    at += n;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static TrackSegment read(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        if (in.readInt() != MAGIC) {
            throw new IOException("not a track segment");
        }
        long start = in.readLong();
        long end = in.readLong();
        int count = in.readInt();
        if (count < 0 || count > 10_000_000) {
            throw new IOException("corrupt track segment: " + count + " runs");
        }
        long[] positions = new long[count];
        int[] lengths = new int[count];
        for (int i = 0; i < count; i++) {
            positions[i] = in.readLong();
            lengths[i] = in.readInt();
        }
        List<Run> runs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] pcm = in.readNBytes(lengths[i] * Pcm.BYTES_PER_SAMPLE);
            if (pcm.length != lengths[i] * Pcm.BYTES_PER_SAMPLE) {
                throw new IOException("track segment truncated");
            }
            short[] samples = new short[lengths[i]];
            for (int s = 0; s < samples.length; s++) {
                samples[s] = (short) ((pcm[2 * s] & 0xff) | (pcm[2 * s + 1] << 8));
            }
            runs.add(new Run(positions[i], samples));
        }
        return new TrackSegment(start, end, runs);
    }
}
