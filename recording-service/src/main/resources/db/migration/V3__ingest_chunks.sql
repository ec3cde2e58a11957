-- Chunks uploaded over HTTP, one row per (track, sequence): the claim that makes an upload idempotent. It is
-- written after the chunk's audio is forced to the journal it names, and before the upload is acknowledged; a
-- retried chunk finds it (same digest: already stored; another digest: a conflict). Sealing keeps only the copy
-- in the journal the claim names.
CREATE TABLE ingest_chunk (
    track_id      UUID        NOT NULL REFERENCES track (id),
    sequence      BIGINT      NOT NULL CHECK (sequence >= 0),
    start_sample  BIGINT      NOT NULL CHECK (start_sample >= 0),
    sample_count  BIGINT      NOT NULL CHECK (sample_count >= 0),
    digest        TEXT        NOT NULL,
    journal       TEXT        NOT NULL,
    received_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (track_id, sequence)
);
