package dev.reprise.recording.audio;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One mixed window as stored in object storage: named streams of encoded packets (the mix in Opus and MP3, each
 * voiced track in Opus), only the packets the window owns on the joined time line, ready to be concatenated.
 *
 * <pre>
 * "RMP1" | int32 streams | streams × (UTF name, int32 packets, packets × int32 length) | every packet's bytes in order
 * </pre>
 */
public record MixPiece(Map<String, List<byte[]>> streams) {

    public static final int MAGIC = 0x524d5031; // "RMP1"
    public static final String MIX_OPUS = "mix.opus";
    public static final String MIX_MP3 = "mix.mp3";

    public static String trackOpus(String speakerId) {
        return "track." + speakerId + ".opus";
    }

    public MixPiece {
        streams = new LinkedHashMap<>(streams);
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(streams.size());
            for (Map.Entry<String, List<byte[]>> stream : streams.entrySet()) {
                out.writeUTF(stream.getKey());
                out.writeInt(stream.getValue().size());
                for (byte[] packet : stream.getValue()) {
                    out.writeInt(packet.length);
                }
            }
            for (List<byte[]> packets : streams.values()) {
                for (byte[] packet : packets) {
                    out.write(packet);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static MixPiece read(InputStream input) throws IOException {
        DataInputStream in = new DataInputStream(input);
        if (in.readInt() != MAGIC) {
            throw new IOException("not a mix piece");
        }
        int count = in.readInt();
        Map<String, int[]> lengths = new LinkedHashMap<>();
        for (int s = 0; s < count; s++) {
            String name = in.readUTF();
            int packets = in.readInt();
            if (packets < 0 || packets > 1_000_000) {
                throw new IOException("corrupt mix piece: " + packets + " packets");
            }
            int[] sizes = new int[packets];
            for (int p = 0; p < packets; p++) {
                sizes[p] = in.readInt();
            }
            lengths.put(name, sizes);
        }
        Map<String, List<byte[]>> streams = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> stream : lengths.entrySet()) {
            List<byte[]> packets = new ArrayList<>(stream.getValue().length);
            for (int size : stream.getValue()) {
                packets.add(in.readNBytes(size));
                if (packets.get(packets.size() - 1).length != size) {
                    throw new IOException("mix piece truncated");
                }
            }
            streams.put(stream.getKey(), packets);
        }
        return new MixPiece(streams);
    }
}
