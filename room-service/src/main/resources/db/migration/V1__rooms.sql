CREATE TABLE room (
    id                     UUID PRIMARY KEY,
    host_id                TEXT        NOT NULL,
    title                  TEXT        NOT NULL,
    recording_enabled      BOOLEAN     NOT NULL,
    transcription_enabled  BOOLEAN     NOT NULL,
    clips_allowed          BOOLEAN     NOT NULL,
    retention_policy       TEXT        NOT NULL,
    status                 TEXT        NOT NULL,
    created_at             TIMESTAMPTZ NOT NULL,
    started_at             TIMESTAMPTZ,
    ended_at               TIMESTAMPTZ,
    end_reason             TEXT,
    -- Set while the host is away from a room that has not ended; the room ends after the grace period.
    host_absent_since      TIMESTAMPTZ
);
CREATE INDEX room_live ON room (started_at DESC) WHERE status = 'LIVE';
CREATE INDEX room_host_absent ON room (host_absent_since) WHERE host_absent_since IS NOT NULL AND status <> 'ENDED';

CREATE TABLE participant (
    id                 UUID PRIMARY KEY,
    room_id            UUID        NOT NULL REFERENCES room (id),
    user_id            TEXT        NOT NULL,
    role               TEXT        NOT NULL,
    present            BOOLEAN     NOT NULL,
    joined_at          TIMESTAMPTZ NOT NULL,
    left_at            TIMESTAMPTZ,
    invited_at         TIMESTAMPTZ,
    -- Said by the speaker when accepting the invitation; NULL while not a speaker.
    recording_consent  BOOLEAN,
    UNIQUE (room_id, user_id)
);

CREATE TABLE timeline_entry (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_id     UUID        NOT NULL REFERENCES room (id),
    at          TIMESTAMPTZ NOT NULL,
    kind        TEXT        NOT NULL,
    user_id     TEXT        NOT NULL,
    role        TEXT,
    detail      TEXT
);
CREATE INDEX timeline_entry_room ON timeline_entry (room_id, id);
