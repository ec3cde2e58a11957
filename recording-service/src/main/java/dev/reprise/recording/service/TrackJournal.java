package dev.reprise.recording.service;

import dev.reprise.recording.audio.Pcm;
import dev.reprise.recording.audio.TrackSegment;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32;

/**
 * One stream's durable buffer on local disk, for one segment's worth of a track: kept audio is appended in memory
 * by the stream and written and forced to disk by {@link #flush()} (the flusher calls it every flush interval;
 * the chunk upload calls it before it answers). After a crash, {@link #read} gives back every record that
 * reached the disk whole; a torn last record is dropped.
 *
 * <pre>
 * header: "RJN1" | track id (16 bytes)
 * record: int32 samples | int64 position | PCM s16le | int32 CRC-32 of position and PCM
 * </pre>
 */
public final class TrackJournal {

    static final int MAGIC = 0x524a4e31; // "RJN1"
    static final String SUFFIX = ".journal";

    private final Path file;
    private final UUID trackId;
    private final FileChannel channel;
    private ByteBuffer pending = ByteBuffer.allocate(64 * 1024).order(ByteOrder.BIG_ENDIAN);
    private long firstPosition = -1;
    private long endPosition = -1;
    private boolean closing;

    private TrackJournal(Path file, UUID trackId, FileChannel channel) {
        this.file = file;
        this.trackId = trackId;
        this.channel = channel;
    }

    /** A new journal file for {@code trackId} in {@code dir}, its header on disk. */
    public static TrackJournal create(Path dir, UUID trackId) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(trackId + "." + UUID.randomUUID() + SUFFIX);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        ByteBuffer header = ByteBuffer.allocate(20).putInt(MAGIC).putLong(trackId.getMostSignificantBits())
                .putLong(trackId.getLeastSignificantBits()).flip();
        while (header.hasRemaining()) {
            channel.write(header);
        }
        channel.force(true);
        return new TrackJournal(file, trackId, channel);
    }

    public Path file() {
        return file;
    }

    public UUID trackId() {
        return trackId;
    }

    /** Position of the first sample appended, -1 if none yet. */
    public synchronized long firstPosition() {
        return firstPosition;
    }

    /** Appends kept audio in memory; {@link #flush()} makes it durable. */
    public synchronized void append(long position, short[] samples, int offset, int count) {
        if (closing) {
            throw new IllegalStateException("journal " + file + " is closing");
        }
        int size = 4 + 8 + count * Pcm.BYTES_PER_SAMPLE + 4;
        if (pending.remaining() < size) {
            ByteBuffer larger = ByteBuffer.allocate(Math.max(pending.capacity() * 2, pending.position() + size));
            pending.flip();
            larger.put(pending);
            pending = larger;
        }
        CRC32 crc = new CRC32();
        int recordStart = pending.position();
        pending.putInt(count).putLong(position);
        for (int i = 0; i < count; i++) {
            short sample = samples[offset + i];
            pending.put((byte) sample).put((byte) (sample >> 8));
        }
        crc.update(pending.array(), recordStart + 4, 8 + count * Pcm.BYTES_PER_SAMPLE);
        pending.putInt((int) crc.getValue());
        if (firstPosition < 0) {
            firstPosition = position;
        }
        endPosition = position + count;
    }

    /** Writes what was appended since the last flush and forces it to the disk. */
    public synchronized void flush() throws IOException {
        if (pending.position() == 0 || !channel.isOpen()) {
            return;
        }
        pending.flip();
        while (pending.hasRemaining()) {
            channel.write(pending);
        }
        pending.clear();
        channel.force(false);
    }

    /** No more appends: the next {@link #finish()} flushes and closes it, for sealing. */
    public synchronized void markClosing() {
        closing = true;
    }

    public synchronized boolean isClosing() {
        return closing;
    }

    /** Flushes and closes the file; it is then complete and ready to be sealed. */
    public synchronized void finish() throws IOException {
        closing = true;
        flush();
        channel.close();
    }

    /** Everything a journal file holds that reached the disk whole: the track and its runs in file order. */
    public record Contents(UUID trackId, List<TrackSegment.Run> runs) {
    }

    public static Contents read(Path file) throws IOException {
        try (InputStream stream = Files.newInputStream(file)) {
            DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(stream, 1 << 16));
            if (in.readInt() != MAGIC) {
                throw new IOException(file + " is not a track journal");
            }
            UUID trackId = new UUID(in.readLong(), in.readLong());
            List<TrackSegment.Run> runs = new ArrayList<>();
            while (true) {
                try {
                    int count = in.readInt();
                    if (count <= 0 || count > Pcm.SAMPLE_RATE * 60) {
                        break; // garbage where a torn write left off
                    }
                    long position = in.readLong();
                    byte[] pcm = new byte[count * Pcm.BYTES_PER_SAMPLE];
                    in.readFully(pcm);
                    int stored = in.readInt();
                    CRC32 crc = new CRC32();
                    crc.update(ByteBuffer.allocate(8).putLong(position).array());
                    crc.update(pcm);
                    if ((int) crc.getValue() != stored) {
                        break;
                    }
                    short[] samples = new short[count];
                    for (int i = 0; i < count; i++) {
                        samples[i] = (short) ((pcm[2 * i] & 0xff) | (pcm[2 * i + 1] << 8));
                    }
                    runs.add(new TrackSegment.Run(position, samples));
                } catch (EOFException end) {
                    break;
                }
            }
            return new Contents(trackId, runs);
        }
    }
}
