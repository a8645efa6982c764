-- verdict schema, version 1. Portable between PostgreSQL and SQLite: one source of truth.
-- Every time is BIGINT microseconds since the Unix epoch, UTC (columns end in _us).
-- Every id is text (UUIDv7 for rows verdict creates, so ids sort by creation time).
-- Booleans are BIGINT 0/1 so the same statements decode on both databases.

-- The decision log: append-only, one row per inference. Only the retention job deletes.
CREATE TABLE decisions (
    decision_id          TEXT PRIMARY KEY,
    idempotency_key      TEXT NOT NULL,
    event_id             TEXT NOT NULL,
    source_topic         TEXT,
    source_partition     BIGINT,
    source_offset        BIGINT,
    entity_key           TEXT NOT NULL,
    model_name           TEXT NOT NULL,
    model_version        TEXT NOT NULL,
    raw_output           TEXT NOT NULL,
    output_is_json       BIGINT NOT NULL,
    label                TEXT,
    confidence           DOUBLE PRECISION,
    inference_latency_us BIGINT NOT NULL,
    decided_at_us        BIGINT NOT NULL
);
CREATE INDEX decisions_tail ON decisions (decided_at_us DESC, decision_id DESC);
CREATE INDEX decisions_by_key ON decisions (idempotency_key);
CREATE INDEX decisions_by_event ON decisions (event_id);
CREATE INDEX decisions_by_entity ON decisions (entity_key, decided_at_us DESC);

-- The dedup window: one row per idempotency key.
CREATE TABLE dedup_keys (
    idempotency_key     TEXT PRIMARY KEY,
    status              TEXT NOT NULL,
    claim_token         TEXT,
    lease_expires_at_us BIGINT,
    payload_hash        TEXT NOT NULL,
    decision_id         TEXT,
    first_seen_at_us    BIGINT NOT NULL,
    last_hit_at_us      BIGINT,
    hit_count           BIGINT NOT NULL DEFAULT 0,
    expires_at_us       BIGINT NOT NULL
);
CREATE INDEX dedup_keys_expiry ON dedup_keys (expires_at_us);
CREATE INDEX dedup_keys_in_progress ON dedup_keys (status, lease_expires_at_us);

-- One row per delivery the gate answered from the dedup window.
CREATE TABLE duplicate_hits (
    hit_id          TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    decision_id     TEXT NOT NULL,
    delivered_at_us BIGINT NOT NULL,
    payload_hash    TEXT NOT NULL,
    payload_matched BIGINT NOT NULL
);
CREATE INDEX duplicate_hits_time ON duplicate_hits (delivered_at_us);
CREATE INDEX duplicate_hits_by_key ON duplicate_hits (idempotency_key, delivered_at_us);
CREATE INDEX duplicate_hits_mismatch ON duplicate_hits (payload_matched, delivered_at_us);

-- Current business state per entity: a deterministic projection of decisions.
CREATE TABLE read_model (
    entity_key       TEXT PRIMARY KEY,
    state            TEXT NOT NULL,
    last_decision_id TEXT NOT NULL,
    version          BIGINT NOT NULL,
    updated_at_us    BIGINT NOT NULL
);

-- Multi-step workflows; version is for optimistic locking.
CREATE TABLE sagas (
    saga_id        TEXT PRIMARY KEY,
    saga_type      TEXT NOT NULL,
    entity_key     TEXT NOT NULL,
    decision_id    TEXT NOT NULL,
    state          TEXT NOT NULL,
    current_step   BIGINT NOT NULL,
    version        BIGINT NOT NULL,
    started_at_us  BIGINT NOT NULL,
    updated_at_us  BIGINT NOT NULL,
    deadline_at_us BIGINT NOT NULL
);
CREATE INDEX sagas_by_state ON sagas (state, deadline_at_us);
CREATE INDEX sagas_by_decision ON sagas (decision_id);

CREATE TABLE saga_steps (
    saga_id       TEXT NOT NULL,
    step_index    BIGINT NOT NULL,
    name          TEXT NOT NULL,
    status        TEXT NOT NULL,
    compensation  TEXT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    last_error    TEXT,
    started_at_us BIGINT,
    updated_at_us BIGINT NOT NULL,
    PRIMARY KEY (saga_id, step_index)
);

-- Messages to publish, written in the decision's transaction.
CREATE TABLE outbox (
    message_id      TEXT PRIMARY KEY,
    topic           TEXT NOT NULL,
    message_key     TEXT,
    payload         TEXT NOT NULL,
    decision_id     TEXT,
    created_at_us   BIGINT NOT NULL,
    published_at_us BIGINT
);
CREATE INDEX outbox_unpublished ON outbox (created_at_us) WHERE published_at_us IS NULL;

-- The audit trail of operator writes: append-only.
CREATE TABLE operator_actions (
    action_id   TEXT PRIMARY KEY,
    request_key TEXT NOT NULL UNIQUE,
    operator    TEXT NOT NULL,
    at_us       BIGINT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    preview     TEXT NOT NULL,
    outcome     TEXT NOT NULL
);
CREATE INDEX operator_actions_time ON operator_actions (at_us);
