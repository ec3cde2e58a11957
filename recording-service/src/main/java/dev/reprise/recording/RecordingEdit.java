package dev.reprise.recording;

import dev.reprise.contracts.recording.KeptRange;
import dev.reprise.contracts.recording.VoiceInterval;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What a host's edit keeps of a version: its trimmed start and end and its cuts, as the stretches of the source
 * time line that make up the new one, back to back ({@link KeptRange}, the contract's terms).
 */
public final class RecordingEdit {

    /** An edit keeps at least this much: a recording of nothing is deleted, not edited. */
    public static final long MINIMUM_MILLIS = 1_000;

    /** A range of the source version to cut out. */
    public record Cut(long startMs, long endMs) {
    }

    /** The edit does not make sense for this version: the message says why, for the host. */
    public static final class Invalid extends IllegalArgumentException {
        Invalid(String message) {
            super(message);
        }
    }

    private RecordingEdit() {
    }

    /**
     * The stretches kept when a version of {@code durationMs} is trimmed to [{@code trimStartMs},
     * {@code trimEndMs}) (null: its start, its end) and {@code cuts} are taken out.
     */
    public static List<KeptRange> keptRanges(long durationMs, Long trimStartMs, Long trimEndMs, List<Cut> cuts) {
        long start = trimStartMs == null ? 0 : trimStartMs;
        long end = trimEndMs == null ? durationMs : trimEndMs;
        if (start < 0 || end > durationMs || start >= end) {
            throw new Invalid("The trim must keep a stretch inside the recording's " + durationMs + " ms, from"
                    + " trimStartMs to trimEndMs.");
        }
        List<Cut> ordered = new ArrayList<>(cuts == null ? List.of() : cuts);
        ordered.sort(Comparator.comparingLong(Cut::startMs));
        List<KeptRange> kept = new ArrayList<>();
        long at = start;
        long target = 0;
        for (Cut cut : ordered) {
            if (cut.startMs() >= cut.endMs() || cut.startMs() < start || cut.endMs() > end) {
                throw new Invalid("Each cut must be a stretch (startMs before endMs) inside the trimmed recording.");
            }
            if (cut.startMs() < at) {
                throw new Invalid("Cuts must not overlap.");
            }
            if (cut.startMs() > at) {
                kept.add(new KeptRange(at, cut.startMs(), target));
                target += cut.startMs() - at;
            }
            at = cut.endMs();
        }
        if (at < end) {
            kept.add(new KeptRange(at, end, target));
            target += end - at;
        }
        if (target < MINIMUM_MILLIS) {
            throw new Invalid("An edit must keep at least " + MINIMUM_MILLIS + " ms; to remove the recording,"
                    + " delete it.");
        }
        return kept;
    }

    /** Length of the version {@code ranges} make. */
    public static long length(List<KeptRange> ranges) {
        return ranges.stream().mapToLong(range -> range.sourceEndMs() - range.sourceStartMs()).sum();
    }

    /**
     * An edit of a version that was itself cut from the original: its ranges on the original time line.
     *
     * @param source the source version's ranges on the original time line (null: the original itself)
     * @param edit   the edit's ranges on the source version's time line
     */
    public static List<KeptRange> compose(List<KeptRange> source, List<KeptRange> edit) {
        if (source == null) {
            return edit;
        }
        List<KeptRange> composed = new ArrayList<>();
        long target = 0;
        for (KeptRange wanted : edit) {
            for (KeptRange piece : source) {
                long from = Math.max(wanted.sourceStartMs(), piece.targetStartMs());
                long to = Math.min(wanted.sourceEndMs(), piece.targetStartMs() + piece.lengthMs());
                if (from < to) {
                    long originalFrom = piece.sourceStartMs() + (from - piece.targetStartMs());
                    composed.add(new KeptRange(originalFrom, originalFrom + (to - from), target));
                    target += to - from;
                }
            }
        }
        return composed;
    }

    /** Voice intervals of the source version on the new version's time line (clipped to what is kept). */
    public static List<VoiceInterval> map(List<VoiceInterval> intervals, List<KeptRange> ranges) {
        List<VoiceInterval> mapped = new ArrayList<>();
        for (KeptRange range : ranges) {
            for (VoiceInterval interval : intervals) {
                long from = Math.max(interval.startMs(), range.sourceStartMs());
                long to = Math.min(interval.endMs(), range.sourceEndMs());
                if (from < to) {
                    long shift = range.targetStartMs() - range.sourceStartMs();
                    VoiceInterval moved = new VoiceInterval(from + shift, to + shift);
                    VoiceInterval last = mapped.isEmpty() ? null : mapped.get(mapped.size() - 1);
                    if (last != null && last.endMs() >= moved.startMs()) {
                        mapped.set(mapped.size() - 1, new VoiceInterval(last.startMs(), moved.endMs()));
                    } else {
                        mapped.add(moved);
                    }
                }
            }
        }
        return mapped;
    }
}
