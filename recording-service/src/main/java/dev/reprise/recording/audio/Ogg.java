package dev.reprise.recording.audio;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The Ogg container as far as Opus needs it (RFC 3533, RFC 7845): reading the packets of one logical stream that
 * ffmpeg wrote, and writing one stream of packets of 20 ms with the granule positions and checksums players rely on.
 */
public final class Ogg {

    private static final int[] CRC_TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int r = i << 24;
            for (int bit = 0; bit < 8; bit++) {
                r = (r & 0x80000000) != 0 ? (r << 1) ^ 0x04c11db7 : r << 1;
            }
            CRC_TABLE[i] = r;
        }
    }

    private Ogg() {
    }

    /** The packets of the first logical stream of {@code data}, in order (header packets included). */
    public static List<byte[]> packets(byte[] data) {
        List<byte[]> packets = new ArrayList<>();
        ByteArrayOutputStream partial = new ByteArrayOutputStream();
        int at = 0;
        int serial = 0;
        boolean first = true;
        while (at < data.length) {
            if (at + 27 > data.length || data[at] != 'O' || data[at + 1] != 'g' || data[at + 2] != 'g'
                    || data[at + 3] != 'S') {
                throw new IllegalArgumentException("not an Ogg page at byte " + at);
            }
            int pageSerial = ByteBuffer.wrap(data, at + 14, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if (first) {
                serial = pageSerial;
                first = false;
            }
            int segments = data[at + 26] & 0xff;
            int body = at + 27 + segments;
            if (body > data.length) {
                throw new IllegalArgumentException("truncated Ogg page at byte " + at);
            }
            int offset = body;
            for (int s = 0; s < segments; s++) {
                int lace = data[at + 27 + s] & 0xff;
                if (offset + lace > data.length) {
                    throw new IllegalArgumentException("truncated Ogg page at byte " + at);
                }
                if (pageSerial == serial) {
                    partial.write(data, offset, lace);
                    if (lace < 255) {
                        packets.add(partial.toByteArray());
                        partial.reset();
                    }
                }
                offset += lace;
            }
            at = offset;
        }
        return packets;
    }

    /** Pre-skip of an OpusHead packet: samples the decoder drops at the start (the encoder's look-ahead). */
    public static int opusPreSkip(byte[] head) {
        if (head.length < 19 || !new String(head, 0, 8, StandardCharsets.US_ASCII).equals("OpusHead")) {
            throw new IllegalArgumentException("not an OpusHead packet");
        }
        return (head[10] & 0xff) | (head[11] & 0xff) << 8;
    }

    static int crc(byte[] page, int length) {
        int crc = 0;
        for (int i = 0; i < length; i++) {
            crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ page[i]) & 0xff];
        }
        return crc;
    }

    /**
     * Writes one Ogg Opus stream of mono 48 kHz packets of 960 samples: the identification and comment headers,
     * then pages of {@value #PACKETS_PER_PAGE} packets, the last one marked end of stream with the granule that
     * trims the decoded audio to its exact length.
     */
    public static final class OpusWriter {

        /** Half a second per page: small enough to seek well, and 25 packets always fit a page's 255 laces. */
        static final int PACKETS_PER_PAGE = 25;
        static final int SAMPLES_PER_PACKET = 960;

        private final OutputStream out;
        private final int serial;
        private final int preSkip;
        private final List<byte[]> page = new ArrayList<>();
        private int sequence;
        private long packetsWritten;

        /**
         * @param outputGainDb gain every decoder applies (RFC 7845 5.1: Q7.8 dB in the header), which normalizes
         *                     loudness without encoding again
         */
        public OpusWriter(OutputStream out, int serial, int preSkip, double outputGainDb, String vendor)
                throws IOException {
            this.out = out;
            this.serial = serial;
            this.preSkip = preSkip;
            ByteBuffer head = ByteBuffer.allocate(19).order(ByteOrder.LITTLE_ENDIAN);
            head.put("OpusHead".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 1)
                    .putShort((short) preSkip).putInt(48_000)
                    .putShort((short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE,
                            Math.round(outputGainDb * 256))))
                    .put((byte) 0);
            writePage(List.of(head.array()), 0, 0x02);
            byte[] vendorBytes = vendor.getBytes(StandardCharsets.UTF_8);
            ByteBuffer tags = ByteBuffer.allocate(8 + 4 + vendorBytes.length + 4).order(ByteOrder.LITTLE_ENDIAN);
            tags.put("OpusTags".getBytes(StandardCharsets.US_ASCII)).putInt(vendorBytes.length).put(vendorBytes)
                    .putInt(0);
            writePage(List.of(tags.array()), 0, 0);
        }

        public void packet(byte[] packet) throws IOException {
            // A full page is written when the next packet comes, so the last page always has packets to end on.
            if (page.size() == PACKETS_PER_PAGE) {
                writePage(page, packetsWritten * SAMPLES_PER_PACKET, 0);
                page.clear();
            }
            page.add(packet);
            packetsWritten++;
        }

        /** Ends the stream: the decoded audio is {@code samples} long (pre-skip and the last packet's tail cut). */
        public void finish(long samples) throws IOException {
            long granule = preSkip + samples;
            if (granule > packetsWritten * SAMPLES_PER_PACKET) {
                throw new IllegalStateException(packetsWritten + " packets cannot hold " + samples + " samples");
            }
            writePage(page, granule, 0x04);
            page.clear();
            out.flush();
        }

        private void writePage(List<byte[]> packets, long granule, int flags) throws IOException {
            ByteArrayOutputStream laces = new ByteArrayOutputStream();
            int bodyLength = 0;
            for (byte[] packet : packets) {
                int left = packet.length;
                while (left >= 255) {
                    laces.write(255);
                    left -= 255;
                }
                laces.write(left);
                bodyLength += packet.length;
            }
            if (laces.size() > 255) {
                throw new IllegalStateException("packets too large for one Ogg page");
            }
            byte[] bytes = new byte[27 + laces.size() + bodyLength];
            ByteBuffer header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            header.put("OggS".getBytes(StandardCharsets.US_ASCII)).put((byte) 0).put((byte) flags).putLong(granule)
                    .putInt(serial).putInt(sequence++).putInt(0).put((byte) laces.size()).put(laces.toByteArray());
            for (byte[] packet : packets) {
                header.put(packet);
            }
            header.putInt(22, crc(bytes, bytes.length));
            out.write(bytes);
        }
    }
}
