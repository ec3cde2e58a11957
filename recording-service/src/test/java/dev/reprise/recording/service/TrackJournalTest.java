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
        UUID other = UUID.randomUUID();
        TrackJournal journal = TrackJournal.create(dir);
        journal.append(track, 48_000, TrackJournal.NO_SEQUENCE, samples(480, 7), 0, 480);
        journal.append(other, 48_480, 17, samples(960, -3), 0, 960);
        journal.flush();
        journal.append(track, 96_000, TrackJournal.NO_SEQUENCE, samples(480, 1), 0, 480); // never flushed: dies here

        List<TrackJournal.Record> records = TrackJournal.read(journal.file());
        assertThat(records).extracting(TrackJournal.Record::trackId).containsExactly(track, other);
        assertThat(records).extracting(TrackJournal.Record::sequence).containsExactly(TrackJournal.NO_SEQUENCE, 17L);
        assertThat(records).extracting(record -> record.run().position()).containsExactly(48_000L, 48_480L);
        assertThat(records.get(1).run().samples()).containsExactly(samples(960, -3));
    }

    @Test
    void aJournalFullOfABatchImportClosesSoSealingNeverReadsAHugeOne() throws IOException {
        UUID track = UUID.randomUUID();
        TrackJournal journal = TrackJournal.create(dir);
        short[] second = new short[48_000];
        java.util.Arrays.fill(second, (short) 1000);
        long chunks = 0;
        while (journal.appendAll(track, chunks, List.of(new TrackSegment.Run(chunks * 48_000, second)))) {
            journal.release();
            journal.flush();
            chunks++;
        }
        assertThat(journal.isClosing()).isTrue();
        assertThat(Files.size(journal.file())).isLessThanOrEqualTo(TrackJournal.MAX_JOURNAL_BYTES)
                .isGreaterThan(TrackJournal.MAX_JOURNAL_BYTES - 2 * 96_100);
        assertThat(chunks).isBetween(170L, 176L);
        assertThat(journal.append(track, 0, TrackJournal.NO_SEQUENCE, second, 0, 10)).isFalse();
    }

    @Test
    void aTornLastRecordIsDroppedAndEverythingBeforeItKept() throws IOException {
        UUID track = UUID.randomUUID();
        TrackJournal journal = TrackJournal.create(dir);
        journal.append(track, 0, TrackJournal.NO_SEQUENCE, samples(480, 5), 0, 480);
        journal.append(track, 480, TrackJournal.NO_SEQUENCE, samples(480, 6), 0, 480);
        journal.finish();
        assertThat(journal.append(track, 960, TrackJournal.NO_SEQUENCE, samples(480, 6), 0, 480))
                .as("a finished journal takes nothing more").isFalse();
        long size = Files.size(journal.file());
        try (FileChannel channel = FileChannel.open(journal.file(), StandardOpenOption.WRITE)) {
            channel.truncate(size - 100); // the second record's write was cut short by the crash
        }
        assertThat(TrackJournal.read(journal.file())).hasSize(1);

        Files.write(journal.file(), new byte[] {1, 2, 3}, StandardOpenOption.APPEND); // garbage after it
        assertThat(TrackJournal.read(journal.file())).hasSize(1);
    }

    @Test
    void aCorruptedRecordStopsTheReadingThere() throws IOException {
        UUID track = UUID.randomUUID();
        TrackJournal journal = TrackJournal.create(dir);
        journal.append(track, 0, TrackJournal.NO_SEQUENCE, samples(480, 5), 0, 480);
        journal.append(track, 480, TrackJournal.NO_SEQUENCE, samples(480, 6), 0, 480);
        journal.finish();
        byte[] bytes = Files.readAllBytes(journal.file());
        int record = 4 + 16 + 8 + 8 + 960 + 4;
        int secondRecordPcm = 4 + record + 4 + 16 + 8 + 8 + 10;
        bytes[secondRecordPcm] ^= 0x55;
        Files.write(journal.file(), bytes);
        assertThat(TrackJournal.read(journal.file())).extracting(r -> r.run().position()).containsExactly(0L);
    }

    @Test
    void aJournalThatDiedBeforeItsFirstFlushIsEmptyAndAForeignFileIsNoJournal() throws IOException {
        Path empty = dir.resolve("empty" + TrackJournal.SUFFIX);
        Files.write(empty, new byte[] {0x52, 0x4a});
        assertThat(TrackJournal.read(empty)).isEmpty();
        Path foreign = dir.resolve("foreign" + TrackJournal.SUFFIX);
        Files.writeString(foreign, "not audio at all");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TrackJournal.read(foreign))
                .isInstanceOf(TrackJournal.NotAJournal.class);
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
