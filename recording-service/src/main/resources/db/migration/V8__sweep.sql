-- Once a version is ready, what earlier versions and attempts left is removed from object storage (after a consent
-- withdrawal: the files that still hold the withdrawn voice). A sweep that failed is tried again until it succeeds.
ALTER TABLE recording ADD COLUMN sweep_needed BOOLEAN NOT NULL DEFAULT false;
