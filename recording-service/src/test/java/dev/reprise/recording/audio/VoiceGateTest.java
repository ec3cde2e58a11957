package dev.reprise.recording.audio;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VoiceGateTest {

    private final List<long[]> kept = new ArrayList<>(); // {start, count}
    private final VoiceGate gate = new VoiceGate(Pcm.amplitudeOf(-60), (start, samples, offset, count) ->
            kept.add(new long[] {start, count}));

    @Test
    void silenceIsLeftOutAndASoundKeepsOneBlockBeforeAndThreeAfter() {
        // 100 ms of silence, 20 ms of tone, 100 ms of silence, in 20 ms frames.
        long at = 48_000;
        for (int frame = 0; frame < 11; frame++) {
            gate.accept(at, frame == 5 ? tone(960) : new short[960]);
            at += 960;
        }
        gate.flush();
        long toneStart = 48_000 + 5 * 960;
        long keptSamples = kept.stream().mapToLong(span -> span[1]).sum();
        assertThat(kept.get(0)[0]).isEqualTo(toneStart - Pcm.BLOCK_SAMPLES);
        assertThat(keptSamples).isEqualTo((1 + 2 + 3) * Pcm.BLOCK_SAMPLES);
        assertContiguous();
    }

    @Test
    void digitalSilenceCostsNothing() {
        for (int frame = 0; frame < 500; frame++) {
            gate.accept(frame * 960L, new short[960]);
        }
        gate.flush();
        assertThat(kept).isEmpty();
    }

    @Test
    void quietNoiseBelowTheThresholdIsSilenceAndSpeechAboveItIsKept() {
        short[] hiss = new short[960];
        java.util.Arrays.fill(hiss, (short) (Pcm.amplitudeOf(-60) - 2));
        short[] voice = new short[960];
        java.util.Arrays.fill(voice, (short) Pcm.amplitudeOf(-50));
        gate.accept(0, hiss);
        gate.accept(960, voice);
        gate.flush();
        assertThat(kept.stream().mapToLong(span -> span[1]).sum()).isEqualTo(960 + Pcm.BLOCK_SAMPLES);
    }

    @Test
    void aJumpInPositionDecidesOnWhatWasHeldFirstAndKeepsEachPieceAtItsPlace() {
        gate.accept(0, tone(700)); // a partial block at the end
        gate.accept(100_000, tone(960));
        gate.flush();
        assertThat(kept.get(0)[0]).isZero();
        assertThat(kept.stream().filter(span -> span[0] < 100_000).mapToLong(span -> span[1]).sum()).isEqualTo(700);
        assertThat(kept.stream().filter(span -> span[0] >= 100_000).mapToLong(span -> span[1]).sum()).isEqualTo(960);
    }

    private void assertContiguous() {
        for (int i = 1; i < kept.size(); i++) {
            assertThat(kept.get(i)[0]).isEqualTo(kept.get(i - 1)[0] + kept.get(i - 1)[1]);
        }
    }

    static short[] tone(int samples) {
        short[] tone = new short[samples];
        for (int i = 0; i < samples; i++) {
            tone[i] = (short) (8000 * Math.sin(2 * Math.PI * 440 * i / Pcm.SAMPLE_RATE));
        }
        return tone;
    }
}
