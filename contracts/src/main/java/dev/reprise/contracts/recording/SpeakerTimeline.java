package dev.reprise.contracts.recording;

import java.util.List;
import java.util.Objects;

/**
 * When one recorded speaker's voice is heard in a recording.
 *
 * @param speakerId user id of the speaker
 * @param intervals the stretches in which the speaker's voice is heard, in milliseconds on the recording version's
 *                  time line (see {@link VoiceInterval}); empty if the speaker was recorded but never heard (or,
 *                  in an edited version, if everything in which they were heard was cut)
 */
public record SpeakerTimeline(String speakerId, List<VoiceInterval> intervals) {

    public SpeakerTimeline {
        Objects.requireNonNull(speakerId, "speakerId");
        Objects.requireNonNull(intervals, "intervals");
        intervals = List.copyOf(intervals);
    }
}
