package dev.reprise.recording.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reprise.recording.audio.TrackSegment;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrackJournalTest {

    @TempDir
    Path dir;

    @Test
    void whatWasFlushedIsReadBackAndWhatWasNotIsNot() throws IOException {
        UUID track = UUID.randomUUID();
        TrackJournal journal = TrackJournal.create(dir, track);
        journal.append(48_000, samples(480, 7), 0, 480);
        journal.append(48_480, samples(960, -3), 0, 960);
        journal.flush();
        journal.append(96_000, samples(480, 1), 0, 480); // never flushed: the process dies here

        TrackJournal.Contents contents = TrackJournal.read(journal.file());
        assertThat(contents.trackId()).isEqualTo(track);
        assertThat(contents.runs()).extracting(TrackSegment.Run::position).containsExactly(48_000L, 48_480L);
        assertThat(contents.runs().get(1).samples()).containsExactly(samples(960, -3));
    }

    @Test
    void aTornLastRecordIsDroppedAndEverythingBeforeItKept() throws IOException {
        TrackJournal journal = TrackJournal.create(dir, UUID.randomUUID());
        journal.append(0, samples(480, 5), 0, 480);
        journal.append(480, samples(480, 6), 0, 480);
        journal.finish();
        long size = Files.size(journal.file());
        try (FileChannel channel = FileChannel.open(journal.file(), StandardOpenOption.WRITE)) {
            channel.truncate(size - 100); // the second record's write was cut short by the crash
        }
        assertThat(TrackJournal.read(journal.file()).runs()).hasSize(1);

        Files.write(journal.file(), new byte[] {1, 2, 3}, StandardOpenOption.APPEND); // garbage after it
        assertThat(TrackJournal.read(journal.file()).runs()).hasSize(1);
    }

    @Test
    void aCorruptedRecordStopsTheReadingThere() throws IOException {
        TrackJournal journal = TrackJournal.create(dir, UUID.randomUUID());
        journal.append(0, samples(480, 5), 0, 480);
        journal.append(480, samples(480, 6), 0, 480);
        journal.finish();
        byte[] bytes = Files.readAllBytes(journal.file());
        int secondRecordPcm = 20 + (4 + 8 + 960 + 4) + 4 + 8 + 10;
        bytes[secondRecordPcm] ^= 0x55;
        Files.write(journal.file(), bytes);
        assertThat(TrackJournal.read(journal.file()).runs()).extracting(TrackSegment.Run::position)
                .containsExactly(0L);
    }

    @Test
    void aSegmentRoundTripsThroughItsBytes() throws IOException {
        TrackSegment segment = new TrackSegment(1_000, 10_000, List.of(new TrackSegment.Run(1_000, samples(480, 9)),
                new TrackSegment.Run(5_000, samples(960, -9))));
        TrackSegment read = TrackSegment.read(new java.io.ByteArrayInputStream(segment.toBytes()));
        assertThat(read.start()).isEqualTo(1_000);
        assertThat(read.end()).isEqualTo(10_000);
        assertThat(read.runs()).hasSize(2);
        assertThat(read.runs().get(1).samples()).containsExactly(samples(960, -9));
        assertThat(segment.toBytes().length).isEqualTo(TrackSegment.headerBytes(2) + (480 + 960) * 2);
    }

    static short[] samples(int count, int seed) {
        short[] samples = new short[count];
        for (int i = 0; i < count; i++) {
            samples[i] = (short) (seed * 1000 + i * 31);
        }
        return samples;
    }
}
