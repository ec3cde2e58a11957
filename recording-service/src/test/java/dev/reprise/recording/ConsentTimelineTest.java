package dev.reprise.recording;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reprise.recording.audio.TrackSegment.Run;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsentTimelineTest {

    private static final Instant ZERO = Instant.parse("2026-11-27T18:00:00Z");

    @Test
    void audioAfterAWithdrawalAndBeforeAYesAgainIsCutOut() {
        ConsentTimeline timeline = ConsentTimeline.of(ZERO, List.of(
                new ConsentTimeline.Statement(ZERO.plusSeconds(1), true),
                new ConsentTimeline.Statement(ZERO.plusSeconds(3), false),
                new ConsentTimeline.Statement(ZERO.plusSeconds(5), true)));
        // One run from 0 s to 6 s.
        List<Run> kept = timeline.cut(List.of(new Run(0, new short[6 * 48_000])));
        assertThat(kept).extracting(Run::position).containsExactly(48_000L, 240_000L);
        assertThat(kept).extracting(run -> run.samples().length).containsExactly(96_000, 48_000);
    }

    @Test
    void aSpeakerWhoNeverSaidYesKeepsNothingAndALaterNoEndsTheYes() {
        assertThat(ConsentTimeline.of(ZERO, List.of(new ConsentTimeline.Statement(ZERO, false)))
                .cut(List.of(new Run(0, new short[480])))).isEmpty();
        assertThat(ConsentTimeline.of(ZERO, List.of()).cut(List.of(new Run(0, new short[480])))).isEmpty();
        ConsentTimeline left = ConsentTimeline.of(ZERO, List.of(new ConsentTimeline.Statement(ZERO, true),
                new ConsentTimeline.Statement(ZERO.plusMillis(10), false)));
        assertThat(left.allows(479)).isTrue();
        assertThat(left.allows(480)).isFalse();
    }

    @Test
    void touchingRunsAreJoinedOnce() {
        List<Run> joined = ConsentTimeline.join(List.of(new Run(0, new short[] {1, 2}), new Run(2, new short[] {3}),
                new Run(10, new short[] {4})));
        assertThat(joined).extracting(Run::position).containsExactly(0L, 10L);
        assertThat(joined.get(0).samples()).containsExactly((short) 1, (short) 2, (short) 3);
    }
}
