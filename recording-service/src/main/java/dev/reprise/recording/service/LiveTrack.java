package dev.reprise.recording.service;

import dev.reprise.recording.audio.Pcm;
import dev.reprise.recording.audio.StreamPlacement;
import dev.reprise.recording.audio.VoiceGate;
import dev.reprise.recording.service.IngestAdmission.Admitted;
import java.time.Clock;
import java.time.Duration;

/**
 * One connected stream of a speaker's track: each frame is folded to mono, placed on the recording's time line by
 * {@link StreamPlacement}, cleared of silence by {@link VoiceGate}, and appended to the current journal, which is
 * handed over for sealing every segment length of track time. While the speaker may not be recorded (consent
 * withdrawn, the speaker gone), frames are placed (so time keeps its shape) but nothing is kept. Frames of one
 * stream arrive in order on one thread; consent changes come from another, hence the volatile flag.
 */
public final class LiveTrack {

    private final Admitted admitted;
    private final int channels;
    private final IngestJournals journals;
    private final Clock clock;
    private final long segmentSamples;
    private final StreamPlacement placement;
    private final VoiceGate gate;
    private volatile boolean allowed = true;
    private volatile boolean muted;
    private TrackJournal journal;
    private long receivedSamples;

    LiveTrack(Admitted admitted, int channels, IngestJournals journals, Clock clock, Duration segmentLength,
            Duration jitterTolerance, int silenceAmplitude) {
        this.admitted = admitted;
        this.channels = channels;
        this.journals = journals;
        this.clock = clock;
        this.segmentSamples = Pcm.millisToSamples(segmentLength.toMillis());
        this.placement = new StreamPlacement(Pcm.millisToSamples(jitterTolerance.toMillis()), admitted.trackEnd());
        this.gate = new VoiceGate(silenceAmplitude, this::keep);
    }

    public Admitted admitted() {
        return admitted;
    }

    /** A binary frame of interleaved s16le audio, as it arrived now. */
    public void audio(byte[] frame) {
        audio(frame, clock.instant());
    }

    /** A binary frame of interleaved s16le audio that arrived at {@code arrived} (held during admission). */
    public void audio(byte[] frame, java.time.Instant arrived) {
        short[] mono = Pcm.toMono(frame, 0, frame.length, channels);
        if (mono.length == 0) {
            return;
        }
        long now = Pcm.millisToSamples(Duration.between(admitted.startedAt(), arrived).toMillis());
        long start = placement.place(now, mono.length);
        receivedSamples += mono.length;
        if (!allowed) {
            gate.flush();
            return;
        }
        gate.accept(start, mono);
        if (journal != null && start + mono.length - journal.firstPosition() >= segmentSamples) {
            gate.flush();
            rotate();
        }
    }

    /** LiveKit's {@code {"muted":true|false}}: no audio comes while muted, and what follows is placed by arrival. */
    public void muted(boolean muted) {
        this.muted = muted;
        gate.flush();
        placement.reanchor();
    }

    public boolean isMuted() {
        return muted;
    }

    /** Whether the speaker may be recorded from now on (consent notifications). */
    public void allowed(boolean allowed) {
        this.allowed = allowed;
    }

    public boolean isAllowed() {
        return allowed;
    }

    public long receivedSamples() {
        return receivedSamples;
    }

    /** The stream ended: what it holds goes to sealing. */
    public void close() {
        gate.flush();
        rotate();
    }

    private void keep(long position, short[] samples, int offset, int count) {
        // A journal the flusher closed (this stream was idle, muted, longer than a segment) is replaced.
        while (journal == null
                || !journal.append(admitted.trackId(), position, TrackJournal.NO_SEQUENCE, samples, offset, count)) {
            journal = journals.open(admitted.recordingId());
        }
    }

    private void rotate() {
        if (journal != null) {
            journals.close(journal);
            journal = null;
        }
    }
}
