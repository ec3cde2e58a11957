-- What recording-service knows of each room, from room-service's events: whether it may record it,
-- and under which retention policy the recording will live.
CREATE TABLE room_policy (
    room_id                UUID PRIMARY KEY,
    host_id                TEXT        NOT NULL,
    recording_enabled      BOOLEAN     NOT NULL,
    transcription_enabled  BOOLEAN     NOT NULL,
    clips_allowed          BOOLEAN     NOT NULL,
    retention_policy       TEXT        NOT NULL,
    status                 TEXT        NOT NULL,
    started_at             TIMESTAMPTZ,
    ended_at               TIMESTAMPTZ
);

-- Every recording-consent statement a speaker made, as evidence: append-only, one row per event.
CREATE TABLE speaker_consent (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_id            UUID        NOT NULL,
    user_id            TEXT        NOT NULL,
    recording_consent  BOOLEAN     NOT NULL,
    stated_at          TIMESTAMPTZ NOT NULL,
    event_id           TEXT        NOT NULL
);
CREATE INDEX speaker_consent_room_user ON speaker_consent (room_id, user_id, stated_at DESC);
