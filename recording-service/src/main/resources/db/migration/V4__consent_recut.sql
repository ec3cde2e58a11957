-- A speaker said no (or left) at a moment whose audio may already be sealed, when the statement reached this
-- service late: each row asks for that speaker's sealed segments from that moment on to be cut again. Written in
-- the transaction that records the statement; a worker leases it, re-cuts, and deletes it.
CREATE TABLE consent_recut (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_id       UUID        NOT NULL,
    user_id       TEXT        NOT NULL,
    stated_at     TIMESTAMPTZ NOT NULL,
    leased_until  TIMESTAMPTZ NOT NULL DEFAULT '-infinity'
);
