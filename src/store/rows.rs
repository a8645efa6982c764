//! Decoding `Any` rows into the typed rows of [`crate::model`].

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::model::{
    Decision, DedupKey, DuplicateHit, KeyStatus, ModelId, ReadModelRow, Saga, SagaState, SagaStep,
    SourcePosition, StepStatus,
};

/// The columns [`decision`] reads, in a form to paste into a SELECT.
pub const DECISION_COLUMNS: &str = "decision_id, idempotency_key, event_id, source_topic, \
     source_partition, source_offset, entity_key, model_name, model_version, raw_output, \
     output_is_json, label, confidence, inference_latency_us, decided_at_us";

pub fn decision(row: &AnyRow) -> sqlx::Result<Decision> {
    let topic: Option<String> = row.try_get("source_topic")?;
    let partition: Option<i64> = row.try_get("source_partition")?;
    let offset: Option<i64> = row.try_get("source_offset")?;
    let source = match (topic, partition, offset) {
        (Some(topic), Some(partition), Some(offset)) => Some(SourcePosition {
            topic,
            partition: partition as i32,
            offset,
        }),
        _ => None,
    };
    Ok(Decision {
        decision_id: row.try_get("decision_id")?,
        idempotency_key: row.try_get("idempotency_key")?,
        event_id: row.try_get("event_id")?,
        source,
        entity_key: row.try_get("entity_key")?,
        model: ModelId {
            name: row.try_get("model_name")?,
            version: row.try_get("model_version")?,
        },
        raw_output: row.try_get("raw_output")?,
        output_is_json: row.try_get::<i64, _>("output_is_json")? != 0,
        label: row.try_get("label")?,
        confidence: row.try_get("confidence")?,
        inference_latency_us: row.try_get("inference_latency_us")?,
        decided_at_us: row.try_get("decided_at_us")?,
    })
}

pub const DEDUP_COLUMNS: &str = "idempotency_key, status, lease_expires_at_us, payload_hash, \
     decision_id, first_seen_at_us, last_hit_at_us, hit_count, expires_at_us";

pub fn dedup_key(row: &AnyRow) -> sqlx::Result<DedupKey> {
    Ok(DedupKey {
        idempotency_key: row.try_get("idempotency_key")?,
        status: KeyStatus::parse(&row.try_get::<String, _>("status")?),
        lease_expires_at_us: row.try_get("lease_expires_at_us")?,
        payload_hash: row.try_get("payload_hash")?,
        decision_id: row.try_get("decision_id")?,
        first_seen_at_us: row.try_get("first_seen_at_us")?,
        last_hit_at_us: row.try_get("last_hit_at_us")?,
        hit_count: row.try_get("hit_count")?,
        expires_at_us: row.try_get("expires_at_us")?,
    })
}

pub const HIT_COLUMNS: &str = "hit_id, idempotency_key, event_id, decision_id, delivered_at_us, \
     payload_hash, payload_matched";

pub fn duplicate_hit(row: &AnyRow) -> sqlx::Result<DuplicateHit> {
    Ok(DuplicateHit {
        hit_id: row.try_get("hit_id")?,
        idempotency_key: row.try_get("idempotency_key")?,
        event_id: row.try_get("event_id")?,
        decision_id: row.try_get("decision_id")?,
        delivered_at_us: row.try_get("delivered_at_us")?,
        payload_hash: row.try_get("payload_hash")?,
        payload_matched: row.try_get::<i64, _>("payload_matched")? != 0,
    })
}

pub const READ_MODEL_COLUMNS: &str = "entity_key, state, last_decision_id, version, updated_at_us";

pub fn read_model(row: &AnyRow) -> sqlx::Result<ReadModelRow> {
    Ok(ReadModelRow {
        entity_key: row.try_get("entity_key")?,
        state: row.try_get("state")?,
        last_decision_id: row.try_get("last_decision_id")?,
        version: row.try_get("version")?,
        updated_at_us: row.try_get("updated_at_us")?,
    })
}

pub const SAGA_COLUMNS: &str = "saga_id, saga_type, entity_key, decision_id, state, current_step, \
     version, started_at_us, updated_at_us, deadline_at_us";

pub fn saga(row: &AnyRow) -> sqlx::Result<Saga> {
    let state: String = row.try_get("state")?;
    Ok(Saga {
        saga_id: row.try_get("saga_id")?,
        saga_type: row.try_get("saga_type")?,
        entity_key: row.try_get("entity_key")?,
        decision_id: row.try_get("decision_id")?,
        state: SagaState::parse(&state).ok_or_else(|| bad_value("sagas.state", &state))?,
        current_step: row.try_get("current_step")?,
        version: row.try_get("version")?,
        started_at_us: row.try_get("started_at_us")?,
        updated_at_us: row.try_get("updated_at_us")?,
        deadline_at_us: row.try_get("deadline_at_us")?,
    })
}

pub const STEP_COLUMNS: &str = "saga_id, step_index, name, status, compensation, attempts, \
     last_error, started_at_us, updated_at_us";

pub fn saga_step(row: &AnyRow) -> sqlx::Result<SagaStep> {
    let status: String = row.try_get("status")?;
    Ok(SagaStep {
        saga_id: row.try_get("saga_id")?,
        step_index: row.try_get("step_index")?,
        name: row.try_get("name")?,
        status: StepStatus::parse(&status)
            .ok_or_else(|| bad_value("saga_steps.status", &status))?,
        compensation: row.try_get("compensation")?,
        attempts: row.try_get("attempts")?,
        last_error: row.try_get("last_error")?,
        started_at_us: row.try_get("started_at_us")?,
        updated_at_us: row.try_get("updated_at_us")?,
    })
}

fn bad_value(column: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown value '{value}' in {column}").into())
}
