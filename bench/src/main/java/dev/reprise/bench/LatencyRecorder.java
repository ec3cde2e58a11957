package dev.reprise.bench;

import java.util.Arrays;

/** Collects request latencies from many threads; percentiles by sorting, exact for the sample. */
final class LatencyRecorder {

    private long[] nanos = new long[1 << 16];
    private int count;
    private long failures;

    synchronized void record(long latencyNanos) {
        if (count == nanos.length) {
            nanos = Arrays.copyOf(nanos, count * 2);
        }
        nanos[count++] = latencyNanos;
    }

    synchronized void failure() {
        failures++;
    }

    synchronized int count() {
        return count;
    }

    synchronized long failures() {
        return failures;
    }

    /** Latency at quantile q (0..1), in milliseconds. */
    synchronized double percentileMillis(double q) {
        if (count == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        int index = (int) Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1));
        return sorted[index] / 1_000_000.0;
    }
}
