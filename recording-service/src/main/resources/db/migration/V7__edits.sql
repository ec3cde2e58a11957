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

-- A READY recording whose audio changed (a segment stored or removed after it was built): it is built again,
-- and only a successful rebuild clears this (a rebuild beaten by an edit tries again on the new version).
ALTER TABLE recording ADD COLUMN rebuild_needed BOOLEAN NOT NULL DEFAULT false;
-- When the retention worker began removing objects: from then on nothing can hold the recording back.
ALTER TABLE recording ADD COLUMN deletion_started_at TIMESTAMPTZ;
-- Failed attempts at an edit; after a bound the edit is FAILED. An edit re-applied after a rebuild has its
-- ranges on the original time line.
ALTER TABLE recording_edit ADD COLUMN attempts INT NOT NULL DEFAULT 0;
ALTER TABLE recording_edit ADD COLUMN from_original BOOLEAN NOT NULL DEFAULT false;
-- One pending edit per recording at a time.
CREATE UNIQUE INDEX recording_edit_one_pending ON recording_edit (recording_id) WHERE status = 'PENDING';
