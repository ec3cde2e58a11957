package dev.reprise.recording.service;

import dev.reprise.recording.audio.Pcm;
import dev.reprise.recording.audio.TrackSegment;
import java.io.BufferedInputStream;
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
 * A durable buffer of kept audio on local disk, for about one segment's worth of time: a stream's (one track) or
 * this replica's uploaded chunks (many tracks). Audio is appended in memory and written and forced to disk by
 * {@link #flush()}: the flusher calls it every flush interval, the chunk upload before it answers. Appending never
 * waits for the disk: a flush swaps the pending buffer out and writes it while appends fill the next one, so
 * concurrent callers of flush share one force (group commit). After a crash, {@link #read} gives back every
 * record that reached the disk whole; a torn last record and anything after it are dropped.
 *
 * <pre>
 * header: "RJN2"
 * record: int32 samples | track id (16 bytes) | int64 position | int64 chunk sequence (-1 for a stream)
 *         | PCM s16le | int32 CRC-32 of everything in the record before it
 * </pre>
 */
public final class TrackJournal {

    static final int MAGIC = 0x524a4e32; // "RJN2"
    static final String SUFFIX = ".journal";

    /** A journal's name: its file name without the suffix (object keys and claims refer to it). */
    public static String nameOf(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(SUFFIX) ? name.substring(0, name.length() - SUFFIX.length()) : name;
    }
    /** The sequence of audio that came from a stream rather than an uploaded chunk. */
    public static final long NO_SEQUENCE = -1;
    private static final int RECORD_OVERHEAD = 4 + 16 + 8 + 8 + 4;
    /**
     * Audio waiting for the disk beyond this (the disk failing, or full) is refused: the writer learns it cannot
     * keep audio rather than the heap filling up.
     */
    static final int MAX_PENDING_BYTES = 32 << 20;
    /**
     * A journal takes at most this much (about three minutes of audio), then closes: sealing reads a journal whole
     * and makes one segment per track of it, so a batch import faster than real time must not make either huge.
     */
    static final long MAX_JOURNAL_BYTES = 16 << 20;

    private final Path file;
    private final FileChannel channel;
    /** Held while writing to the file, so flushes write in order; never held by appends. */
    private final Object io = new Object();
    private ByteBuffer pending = ByteBuffer.allocate(64 * 1024).order(ByteOrder.BIG_ENDIAN);
    private ByteBuffer spare = ByteBuffer.allocate(64 * 1024).order(ByteOrder.BIG_ENDIAN);
    private long firstPosition = -1;
    private final long createdNanos = System.nanoTime();
    private long lastAppendNanos = createdNanos;
    private boolean closing;
    /** Bytes of the file that were written whole; a failed write is cut back to here and tried again. */
    private long written = 4;
    /** Chunks appended whose claim is not written yet: the journal is not sealed while there are any. */
    private int holds;

    private TrackJournal(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /**
     * A new journal file in {@code dir}. Nothing is forced here (it may run on an event loop); the first
     * {@link #flush()} forces the header with the first audio.
     */
    public static TrackJournal create(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(UUID.randomUUID() + SUFFIX);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        ByteBuffer header = ByteBuffer.allocate(4).putInt(MAGIC).flip();
        while (header.hasRemaining()) {
            channel.write(header);
        }
        return new TrackJournal(file, channel);
    }

    public Path file() {
        return file;
    }

    /** Position of the first sample appended, -1 if none yet. */
    public synchronized long firstPosition() {
        return firstPosition;
    }

    public long createdNanos() {
        return createdNanos;
    }

    /** Nanos (System.nanoTime) of the last append, or of the creation. */
    public synchronized long lastAppendNanos() {
        return lastAppendNanos;
    }

    /**
     * Appends kept audio in memory; {@link #flush()} makes it durable.
     *
     * @return false if the journal is closing (its flusher took it for sealing): open another
     */
    public synchronized boolean append(UUID trackId, long position, long sequence, short[] samples, int offset,
            int count) {
        if (closing) {
            return false;
        }
        int size = RECORD_OVERHEAD + count * Pcm.BYTES_PER_SAMPLE;
        if (full(size)) {
            return false;
        }
        if (pending.position() + size > MAX_PENDING_BYTES) {
            throw new IllegalStateException("journal " + file + " has " + pending.position()
                    + " bytes the disk has not taken yet");
        }
        if (pending.remaining() < size) {
            ByteBuffer larger = ByteBuffer.allocate(Math.max(pending.capacity() * 2, pending.position() + size));
            pending.flip();
            larger.put(pending);
            pending = larger;
        }
        int recordStart = pending.position();
        pending.putInt(count).putLong(trackId.getMostSignificantBits()).putLong(trackId.getLeastSignificantBits())
                .putLong(position).putLong(sequence);
        for (int i = 0; i < count; i++) {
            short sample = samples[offset + i];
            pending.put((byte) sample).put((byte) (sample >> 8));
        }
        CRC32 crc = new CRC32();
        crc.update(pending.array(), recordStart, size - 4);
        pending.putInt((int) crc.getValue());
        if (firstPosition < 0 || position < firstPosition) {
            firstPosition = position;
        }
        lastAppendNanos = System.nanoTime();
        return true;
    }

    /**
     * Appends all of {@code runs} of one chunk, or nothing: a chunk never straddles two journals.
     *
     * @return false if the journal is closing: open another
     */
    public synchronized boolean appendAll(UUID trackId, long sequence, java.util.List<TrackSegment.Run> runs) {
        if (closing) {
            return false;
        }
        long size = runs.stream().mapToLong(run -> RECORD_OVERHEAD + (long) run.samples().length
                * Pcm.BYTES_PER_SAMPLE).sum();
        if (full(size)) {
            return false;
        }
        for (TrackSegment.Run run : runs) {
            append(trackId, run.position(), sequence, run.samples(), 0, run.samples().length);
        }
        holds++;
        return true;
    }

    /** Whether {@code size} more bytes would pass {@link #MAX_JOURNAL_BYTES}: then it closes (not when empty). */
    private boolean full(long size) {
        long used = written + pending.position();
        if (used > 4 && used + size > MAX_JOURNAL_BYTES) {
            closing = true;
            return true;
        }
        return false;
    }

    /** The claim of a chunk {@link #appendAll appended} here is written (or failed): sealing may go ahead. */
    public synchronized void release() {
        holds--;
    }

    /** Whether a chunk appended here still waits for its claim. */
    public synchronized boolean held() {
        return holds > 0;
    }

    /**
     * Writes what was appended before this call and forces it to the disk. Appends go on meanwhile into the next
     * buffer; a caller whose audio a concurrent flush already wrote returns once that flush has forced it.
     */
    public void flush() throws IOException {
        synchronized (io) {
            ByteBuffer toWrite;
            synchronized (this) {
                if (pending.position() == 0 || !channel.isOpen()) {
                    return;
                }
                toWrite = pending;
                pending = spare.capacity() >= toWrite.capacity() ? spare
                        : ByteBuffer.allocate(toWrite.capacity()).order(ByteOrder.BIG_ENDIAN);
                pending.clear();
            }
            toWrite.flip();
            try {
                long at = written;
                while (toWrite.hasRemaining()) {
                    at += channel.write(toWrite, at);
                }
                channel.force(false);
                written = at;
            } catch (IOException | RuntimeException e) {
                // Nothing after `written` counts: cut off what may have been half-written, and put the audio back in
                // front of what was appended meanwhile, so the next flush writes it all, in order.
                try {
                    channel.truncate(written);
                } catch (IOException ignored) {
                    // the next attempt truncates again
                }
                toWrite.rewind();
                synchronized (this) {
                    ByteBuffer restored = ByteBuffer.allocate(toWrite.remaining() + pending.capacity())
                            .order(ByteOrder.BIG_ENDIAN);
                    pending.flip();
                    restored.put(toWrite).put(pending);
                    pending = restored;
                }
                throw e;
            }
            toWrite.clear();
            synchronized (this) {
                spare = toWrite;
            }
        }
    }

    /** No more appends: the flusher finishes it and sends it to sealing. */
    public synchronized void markClosing() {
        closing = true;
    }

    public synchronized boolean isClosing() {
        return closing;
    }

    /** Stops appends, flushes and closes the file: it is then complete and ready to be sealed. */
    public void finish() throws IOException {
        markClosing();
        flush();
        synchronized (io) {
            channel.close();
        }
    }

    /** A record: audio of a track at a position, from a chunk ({@code sequence}) or a stream ({@link #NO_SEQUENCE}). */
    public record Record(UUID trackId, long sequence, TrackSegment.Run run) {
    }

    /** A file in the journal directory that is not a journal: it can never be sealed. */
    public static final class NotAJournal extends IOException {
        NotAJournal(String message) {
            super(message);
        }
    }

    /** Every record of a journal file that reached the disk whole, in file order. */
    public static List<Record> read(Path file) throws IOException {
        try (InputStream stream = Files.newInputStream(file)) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(stream, 1 << 16));
            int magic;
            try {
                magic = in.readInt();
            } catch (EOFException empty) {
                return List.of(); // created, then the process died before its first flush
            }
            if (magic != MAGIC) {
                throw new NotAJournal(file + " is not a track journal");
            }
            List<Record> records = new ArrayList<>();
            byte[] head = new byte[RECORD_OVERHEAD - 4];
            while (true) {
                try {
                    in.readFully(head);
                    ByteBuffer fields = ByteBuffer.wrap(head);
                    int count = fields.getInt();
                    if (count <= 0 || count > Pcm.SAMPLE_RATE * 60) {
                        break; // garbage where a torn write left off
                    }
                    UUID trackId = new UUID(fields.getLong(), fields.getLong());
                    long position = fields.getLong();
                    long sequence = fields.getLong();
                    byte[] pcm = new byte[count * Pcm.BYTES_PER_SAMPLE];
                    in.readFully(pcm);
                    int stored = in.readInt();
                    CRC32 crc = new CRC32();
                    crc.update(head);
                    crc.update(pcm);
                    if ((int) crc.getValue() != stored) {
                        break;
                    }
                    short[] samples = new short[count];
                    for (int i = 0; i < count; i++) {
                        samples[i] = (short) ((pcm[2 * i] & 0xff) | (pcm[2 * i + 1] << 8));
                    }
                    records.add(new Record(trackId, sequence, new TrackSegment.Run(position, samples)));
                } catch (EOFException end) {
                    break;
                }
            }
            return records;
        }
    }
}
