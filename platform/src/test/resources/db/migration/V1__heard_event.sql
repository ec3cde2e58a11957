-- What the test consumer's handlers did: one row per effect, so a second effect of one event shows as a second row.
CREATE TABLE heard_event (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id  TEXT        NOT NULL,
    room_id   UUID        NOT NULL,
    type      TEXT        NOT NULL,
    heard_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
