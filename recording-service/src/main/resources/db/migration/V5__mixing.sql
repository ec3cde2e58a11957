-- Building the recording while the room is live (MixingWorker): the time line is cut into windows of fixed length;
-- each window is mixed and encoded once its audio is sealed, and again if sealed audio of it changes later.

-- Journals holding audio of a recording that is not sealed yet, on whichever replica: the recording is finalized
-- only when none is left (or after a bound, when a replica and its disk are gone).
CREATE TABLE pending_journal (
    journal       TEXT NOT NULL,
    recording_id  UUID NOT NULL REFERENCES recording (id),
    opened_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (journal, recording_id)
);
CREATE INDEX pending_journal_recording ON pending_journal (recording_id);

-- One window of the time line. input_version counts changes of the sealed audio it depends on (bumped in the
-- statement that stores or removes a segment); mixed_version is the input_version its piece was made from, so a
-- window is stale while input_version > mixed_version, whatever order the two happen in.
CREATE TABLE mix_window (
    recording_id   UUID   NOT NULL REFERENCES recording (id),
    window_index   INT    NOT NULL CHECK (window_index >= 0),
    input_version  BIGINT NOT NULL DEFAULT 0,
    mixed_version  BIGINT NOT NULL DEFAULT -1,
    -- What the piece holds (MixPiece): encoded packets of the mix and of each voiced track, in object storage.
    piece_key      TEXT,
    piece_bytes    BIGINT,
    -- Measurements kept for the whole-recording figures computed at the end without reading audio again:
    -- K-weighted mean square per 100 ms (float32 big-endian), sample peak, waveform min/max per pixel
    -- (int8 pairs), and each speaker's voice activity ({"speakerId": [[startMs, endMs], ...]}).
    loudness       BYTEA,
    -- The same of the window's MP3 as a decoder plays it (MP3 is normalized by its own measure).
    mp3_loudness   BYTEA,
    sample_peak    INT,
    peaks          BYTEA,
    activity       JSONB,
    -- How long the mix of this window ended up (the last window is shorter).
    samples        INT,
    mixed_at       TIMESTAMPTZ,
    PRIMARY KEY (recording_id, window_index)
);

ALTER TABLE recording
    -- Only one replica works on a recording at a time (MixingWorker's lease); the owner also fences finalization.
    ADD COLUMN lease_owner      TEXT,
    ADD COLUMN lease_until      TIMESTAMPTZ,
    -- Windows before this one have been mixed at least once (live progress).
    ADD COLUMN next_window      INT NOT NULL DEFAULT 0,
    ADD COLUMN processing_step  TEXT,
    ADD COLUMN duration_ms      BIGINT,
    ADD COLUMN loudness_lufs    DOUBLE PRECISION,
    ADD COLUMN gain_db          DOUBLE PRECISION,
    ADD COLUMN version          INT NOT NULL DEFAULT 0,
    ADD COLUMN finalized_at     TIMESTAMPTZ,
    ADD COLUMN failure          TEXT;

-- The files of a recording version: the mix (Opus, MP3), each speaker's track, the speaker timeline and the peaks.
CREATE TABLE recording_file (
    recording_id  UUID   NOT NULL REFERENCES recording (id),
    version       INT    NOT NULL,
    name          TEXT   NOT NULL,
    kind          TEXT   NOT NULL CHECK (kind IN ('MIX', 'TRACK', 'TIMELINE', 'PEAKS')),
    speaker_id    TEXT,
    object_key    TEXT   NOT NULL,
    content_type  TEXT   NOT NULL,
    bytes         BIGINT NOT NULL,
    PRIMARY KEY (recording_id, version, name)
);
