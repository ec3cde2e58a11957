package dev.reprise.contracts.recording;

/** What a file of a recording holds. */
public enum RecordingFileKind {
    /** The room's mixed audio (every recorded speaker), loudness-normalized; what listeners replay. */
    MIX,
    /** One speaker's own audio, for editing and transcription; the only kind with a speaker id. */
    TRACK,
    /** The speaker timeline as a document: when each speaker's voice is heard. */
    TIMELINE,
    /** Waveform peaks of the mix, for drawing it (e.g. to pick a clip). */
    PEAKS
}
