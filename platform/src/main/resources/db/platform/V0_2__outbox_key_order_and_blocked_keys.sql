-- The relay's guarantees move into the database, so that no caller has to know them.

-- Events of one key commit in the order of their ids: Outbox.add takes this transaction-scoped lock on the key
-- before the row's id is drawn, so a second writer of the same key waits until the first has committed or rolled
-- back. The one-bigint advisory key space does not overlap the (class, slot) space the relay locks.
CREATE FUNCTION outbox_lock_key(record_key TEXT) RETURNS VOID LANGUAGE sql VOLATILE AS $$
    SELECT pg_advisory_xact_lock(hashtextextended(record_key, 0))
$$;

-- A key whose event the broker refused for good (too large for it, invalid): that event and the key's later ones
-- wait, in order, while every other key goes on; the relay tries again at retry_at, backing off. Shown in health
-- and metrics.
CREATE TABLE outbox_blocked_key (
    record_key       TEXT        PRIMARY KEY,
    -- the refused row: the key's rows before it may still go, the ones from it on wait
    outbox_id        BIGINT      NOT NULL,
    event_id         UUID        NOT NULL,
    error            TEXT        NOT NULL,
    attempts         INTEGER     NOT NULL,
    first_failed_at  TIMESTAMPTZ NOT NULL,
    retry_at         TIMESTAMPTZ NOT NULL
);

-- Takes, in the given order, the advisory locks of up to max_slots slots that have rows to publish now (not only
-- rows of blocked keys) and that no other relay holds, and returns them. One round trip; a slot held elsewhere is
-- skipped, never waited for. The locks last until the relay's transaction ends, and the rows are read by a later
-- statement, after the locks are held.
CREATE FUNCTION outbox_take_slots(slot_order INTEGER[], lock_class INTEGER, max_slots INTEGER)
RETURNS INTEGER[] LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    candidate INTEGER;
    taken INTEGER[] := '{}';
BEGIN
    FOREACH candidate IN ARRAY slot_order LOOP
        EXIT WHEN cardinality(taken) >= max_slots;
        IF EXISTS (SELECT 1 FROM outbox_event o WHERE o.slot = candidate AND NOT EXISTS (
                    SELECT 1 FROM outbox_blocked_key w
                    WHERE w.record_key = o.record_key AND w.retry_at > now() AND o.id >= w.outbox_id))
                AND pg_try_advisory_xact_lock(lock_class, candidate) THEN
            taken := taken || candidate;
        END IF;
    END LOOP;
    RETURN taken;
END
$$;
