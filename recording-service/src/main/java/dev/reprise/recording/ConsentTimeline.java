package dev.reprise.recording;

import dev.reprise.recording.audio.Pcm;
import dev.reprise.recording.audio.TrackSegment.Run;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * When a speaker may be recorded, on the recording's time line: the stretches (in samples from time zero) where
 * their latest statement is a yes. Audio outside them is cut out before anything is stored, whatever a stream
 * managed to send before the news of a withdrawal reached it.
 */
public final class ConsentTimeline {

    /** One statement: from {@code at} on, {@code consent}. */
    public record Statement(Instant at, boolean consent) {
    }

    /** [start, end) pairs, ordered and apart; end is Long.MAX_VALUE for a yes still standing. */
    private final List<long[]> allowed;

    private ConsentTimeline(List<long[]> allowed) {
        this.allowed = allowed;
    }

    /** From statements in the order they were made. */
    public static ConsentTimeline of(Instant timeZero, List<Statement> statements) {
        List<long[]> allowed = new ArrayList<>();
        Long openSince = null;
        for (Statement statement : statements) {
            long position = Math.max(0, Pcm.millisToSamples(Duration.between(timeZero, statement.at()).toMillis()));
            if (statement.consent() && openSince == null) {
                openSince = position;
            } else if (!statement.consent() && openSince != null) {
                if (position > openSince) {
                    allowed.add(new long[] {openSince, position});
                }
                openSince = null;
            }
        }
        if (openSince != null) {
            allowed.add(new long[] {openSince, Long.MAX_VALUE});
        }
        return new ConsentTimeline(allowed);
    }

    public boolean allows(long position) {
        return allowed.stream().anyMatch(span -> position >= span[0] && position < span[1]);
    }

    /** The parts of {@code runs} (ordered) inside the allowed stretches, adjacent pieces joined. */
    public List<Run> cut(List<Run> runs) {
        List<Run> pieces = new ArrayList<>();
        for (Run run : runs) {
            for (long[] span : allowed) {
                long from = Math.max(run.position(), span[0]);
                long to = Math.min(run.end(), span[1]);
                if (from == run.position() && to == run.end()) {
                    pieces.add(run);
                } else if (from < to) {
                    pieces.add(new Run(from, Arrays.copyOfRange(run.samples(), (int) (from - run.position()),
                            (int) (to - run.position()))));
                }
            }
        }
        return join(pieces);
    }

    /** Ordered runs with each group of touching runs made one, copying each sample once. */
    public static List<Run> join(List<Run> runs) {
        List<Run> joined = new ArrayList<>();
        int i = 0;
        while (i < runs.size()) {
            int j = i + 1;
            long length = runs.get(i).samples().length;
            while (j < runs.size() && runs.get(j).position() == runs.get(j - 1).end()) {
                length += runs.get(j).samples().length;
                j++;
            }
            if (j == i + 1) {
                joined.add(runs.get(i));
            } else {
                short[] samples = new short[Math.toIntExact(length)];
                int at = 0;
                for (int k = i; k < j; k++) {
                    short[] part = runs.get(k).samples();
                    System.arraycopy(part, 0, samples, at, part.length);
                    at += part.length;
                }
                joined.add(new Run(runs.get(i).position(), samples));
            }
            i = j;
        }
        return joined;
    }
}
