-- Non-destructive edits (EditWorker): each makes the next version from the current one's files.
-- The current version's stretches of the original time line (KeptRange JSON; NULL: all of it), so a version
-- built again from the windows (a late consent withdrawal) can have the host's edits applied again.
ALTER TABLE recording ADD COLUMN kept_ranges JSONB;

CREATE TABLE recording_edit (
    id              UUID PRIMARY KEY,
    recording_id    UUID        NOT NULL REFERENCES recording (id),
    -- The version the host edited; the ranges are on its time line.
    source_version  INT         NOT NULL,
    kept_ranges     JSONB       NOT NULL,
    status          TEXT        NOT NULL CHECK (status IN ('PENDING', 'DONE', 'FAILED')),
    result_version  INT,
    failure         TEXT,
    requested_by    TEXT        NOT NULL,
    lease_until     TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX recording_edit_pending ON recording_edit (created_at) WHERE status = 'PENDING';
