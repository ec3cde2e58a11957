package dev.reprise.recording.audio;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StreamPlacementTest {

    private static final int FRAME = 960; // 20 ms
    private static final long TOLERANCE = 12_000; // 250 ms

    @Test
    void jitterDoesNotMoveAudioTheStreamCountsContinuously() {
        StreamPlacement placement = new StreamPlacement(TOLERANCE, 0);
        long first = placement.place(48_000 + FRAME, FRAME);
        assertThat(first).isEqualTo(48_000);
        // Frames arrive 0-200 ms late, unevenly: still back to back.
        long[] lateness = {0, 9_600, 2_000, 0, 5_000};
        for (int i = 1; i <= lateness.length; i++) {
            long start = placement.place(48_000 + (long) (i + 1) * FRAME + lateness[i - 1], FRAME);
            assertThat(start).isEqualTo(48_000 + (long) i * FRAME);
        }
    }

    @Test
    void afterAMuteTheAudioIsPlacedByItsArrivalSoThePauseStays() {
        StreamPlacement placement = new StreamPlacement(TOLERANCE, 0);
        placement.place(FRAME, FRAME);
        placement.place(2 * FRAME, FRAME);
        // Muted for three seconds: nothing arrives, then audio again.
        long resumed = placement.place(2 * FRAME + 144_000 + FRAME, FRAME);
        assertThat(resumed).isEqualTo(2 * FRAME + 144_000);
    }

    @Test
    void aMuteShorterThanTheToleranceDoesNotPullWhatFollowsEarlier() {
        StreamPlacement placement = new StreamPlacement(TOLERANCE, 0);
        placement.place(FRAME, FRAME);
        placement.reanchor(); // muted, then unmuted 200 ms later
        long resumed = placement.place(FRAME + 9_600 + FRAME, FRAME);
        assertThat(resumed).isEqualTo(FRAME + 9_600);
    }

    @Test
    void aBurstAfterAStallContinuesTheCount() {
        StreamPlacement placement = new StreamPlacement(TOLERANCE, 0);
        placement.place(FRAME, FRAME);
        // 200 ms stall, then the held frames arrive together: they were produced back to back.
        long arrival = FRAME + 9_600;
        for (int i = 1; i <= 10; i++) {
            assertThat(placement.place(arrival, FRAME)).isEqualTo((long) i * FRAME);
        }
    }

    @Test
    void aReconnectedStreamNeverOverlapsWhatTheTrackHolds() {
        StreamPlacement placement = new StreamPlacement(TOLERANCE, 96_000);
        assertThat(placement.place(90_000, FRAME)).isEqualTo(96_000);
    }
}
