-- Why a consent statement was made: the host turning recording on, a speaker joining the stage, a speaker
-- changing their mind mid-room, or a speaker leaving (which ends what they agreed to for that stint).
ALTER TABLE speaker_consent ADD COLUMN reason TEXT NOT NULL DEFAULT 'SPEAKER_ADDED'
    CHECK (reason IN ('HOST', 'SPEAKER_ADDED', 'CHANGED', 'LEFT'));
ALTER TABLE speaker_consent ALTER COLUMN reason DROP DEFAULT;

-- A room's recording: one per room that had recording on when it went live.
CREATE TABLE recording (
    id          UUID PRIMARY KEY,
    room_id     UUID        NOT NULL UNIQUE REFERENCES room_policy (room_id),
    status      TEXT        NOT NULL CHECK (status IN ('RECORDING', 'PROCESSING', 'READY', 'FAILED', 'DELETED')),
    -- Time zero of every track: the room's start, as room-service stated it.
    started_at  TIMESTAMPTZ NOT NULL,
    ended_at    TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One speaker's audio in a recording, fed by any number of connections (reconnects continue it).
CREATE TABLE track (
    id            UUID PRIMARY KEY,
    recording_id  UUID        NOT NULL REFERENCES recording (id),
    speaker_id    TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (recording_id, speaker_id)
);

-- A sealed piece of a track in object storage: seconds of audio, its silence left out (see TrackSegment).
-- Positions are 48 kHz samples from the recording's time zero. The key is derived from the journal file it
-- was sealed from, so sealing the same file again after a crash finds its row instead of adding one.
CREATE TABLE track_segment (
    object_key      TEXT PRIMARY KEY,
    track_id        UUID        NOT NULL REFERENCES track (id),
    start_sample    BIGINT      NOT NULL CHECK (start_sample >= 0),
    end_sample      BIGINT      NOT NULL CHECK (end_sample >= start_sample),
    voiced_samples  BIGINT      NOT NULL CHECK (voiced_samples >= 0),
    object_bytes    BIGINT      NOT NULL CHECK (object_bytes >= 0),
    source          TEXT        NOT NULL CHECK (source IN ('WEBSOCKET', 'CHUNK')),
    sealed_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX track_segment_track_start ON track_segment (track_id, start_sample);
