-- Platform tables every Reprise service carries in its own database.
-- Versions V0_x belong to the platform; each service numbers its own migrations from V1.

-- Transactional outbox: written in the same transaction as the state change it announces,
-- published to Kafka by the relay, deleted once the broker has acknowledged it.
CREATE TABLE outbox_event (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id      UUID        NOT NULL UNIQUE,
    topic         TEXT        NOT NULL,
    record_key    TEXT        NOT NULL,
    -- Relay partition of the key space: one relay at a time owns a slot, so a key's order holds.
    slot          INTEGER     NOT NULL,
    event_type    TEXT        NOT NULL,
    source        TEXT        NOT NULL,
    subject       TEXT        NOT NULL,
    occurred_at   TIMESTAMPTZ NOT NULL,
    payload       TEXT        NOT NULL
);
CREATE INDEX outbox_event_slot_id ON outbox_event (slot, id);

-- Idempotent consumers: one row per (consumer, CloudEvents id) processed, written in the
-- same transaction as the effect, so a redelivered event finds its row and has no second effect.
CREATE TABLE processed_event (
    consumer      TEXT        NOT NULL,
    event_id      TEXT        NOT NULL,
    event_type    TEXT        NOT NULL,
    processed_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (consumer, event_id)
);
CREATE INDEX processed_event_processed_at ON processed_event (processed_at);
