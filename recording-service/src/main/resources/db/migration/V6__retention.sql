-- Retention (RetentionWorker): when a recording is deleted and why, the host's save, a moderator's hold.
ALTER TABLE recording DROP CONSTRAINT recording_status_check;
ALTER TABLE recording ADD CONSTRAINT recording_status_check
    CHECK (status IN ('RECORDING', 'PROCESSING', 'READY', 'FAILED', 'DELETING', 'DELETED'));
ALTER TABLE recording
    -- The policy the room ended under (room ended event); until then the room's current one applies.
    ADD COLUMN retention_policy  TEXT CHECK (retention_policy IN ('MODERATION_30D', 'EPHEMERAL', 'SAVED')),
    -- When the recording is due for deletion (NULL: kept); a hold stops it whatever this says.
    ADD COLUMN delete_after      TIMESTAMPTZ,
    ADD COLUMN saved_at          TIMESTAMPTZ,
    ADD COLUMN hold_reason       TEXT,
    ADD COLUMN held_by           TEXT,
    ADD COLUMN held_at           TIMESTAMPTZ,
    ADD COLUMN deletion_reason   TEXT CHECK (deletion_reason IN ('HOST_DELETED', 'RETENTION_EXPIRED', 'EPHEMERAL')),
    ADD COLUMN deleted_at        TIMESTAMPTZ;
CREATE INDEX recording_due ON recording (delete_after) WHERE status IN ('READY', 'FAILED', 'DELETING');

-- Failed attempts in a row at building a recording (MixingWorker): after a bound, an ended room's is FAILED.
ALTER TABLE recording ADD COLUMN attempts INT NOT NULL DEFAULT 0;
