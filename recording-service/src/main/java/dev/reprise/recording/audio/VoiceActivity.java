package dev.reprise.recording.audio;

import java.util.ArrayList;
import java.util.List;

/**
 * Who spoke when: a speaker's voice activity as millisecond intervals, from their own track (each speaker has one,
 * so no diarization guesswork). A 20 ms frame is voice when its RMS level reaches the threshold; pauses shorter
 * than the merge gap are bridged (the gaps between words are not turns), and blips shorter than the minimum are
 * dropped (a cough or a click is not speech).
 */
public final class VoiceActivity {

    public static final int FRAME_SAMPLES = Pcm.SAMPLE_RATE / 50;

    /** Voice from {@code startMs} (inclusive) to {@code endMs} (exclusive), on the recording's time line. */
    public record Interval(long startMs, long endMs) {
    }

    private final double thresholdMeanSquare;
    private final long mergeGapMs;
    private final long minimumMs;

    public VoiceActivity(double thresholdDbfs, long mergeGapMs, long minimumMs) {
        double amplitude = Math.pow(10, thresholdDbfs / 20) * 32768;
        this.thresholdMeanSquare = amplitude * amplitude;
        this.mergeGapMs = mergeGapMs;
        this.minimumMs = minimumMs;
    }

    /**
     * Intervals of voice in {@code samples[offset, offset + length)}, whose first sample is at {@code position}
     * on the time line (a multiple of the frame length, so frames line up across windows).
     */
    public List<Interval> detect(short[] samples, int offset, int length, long position) {
        List<Interval> raw = new ArrayList<>();
        long runStart = -1;
        for (int frame = 0; frame * FRAME_SAMPLES < length; frame++) {
            int from = offset + frame * FRAME_SAMPLES;
            int to = Math.min(offset + length, from + FRAME_SAMPLES);
            double sum = 0;
            for (int i = from; i < to; i++) {
                sum += (double) samples[i] * samples[i];
            }
            boolean voice = sum / (to - from) >= thresholdMeanSquare;
            long at = position + (long) frame * FRAME_SAMPLES;
            if (voice && runStart < 0) {
                runStart = at;
            } else if (!voice && runStart >= 0) {
                raw.add(new Interval(Pcm.samplesToMillis(runStart), Pcm.samplesToMillis(at)));
                runStart = -1;
            }
        }
        if (runStart >= 0) {
            raw.add(new Interval(Pcm.samplesToMillis(runStart), Pcm.samplesToMillis(position + length)));
        }
        return merge(raw, false);
    }

    /**
     * Joins intervals (in order) closer than the merge gap; with {@code dropShort}, intervals shorter than the
     * minimum go. Windows are detected apart, so the short-blip rule runs only on the joined whole: a word cut
     * by a window boundary is not a blip.
     */
    public List<Interval> merge(List<Interval> ordered, boolean dropShort) {
        List<Interval> merged = new ArrayList<>();
        for (Interval interval : ordered) {
            Interval last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && interval.startMs() - last.endMs() < mergeGapMs) {
                merged.set(merged.size() - 1, new Interval(last.startMs(), Math.max(last.endMs(), interval.endMs())));
            } else {
                merged.add(interval);
            }
        }
        if (dropShort) {
            merged.removeIf(interval -> interval.endMs() - interval.startMs() < minimumMs);
        }
        return merged;
    }
}
