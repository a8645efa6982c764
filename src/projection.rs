//! The read model: current business state as a deterministic projection of decisions.
//!
//! A [`Projector`] is a pure function of a decision and the entity's current state. Because it
//! is pure, the stored decisions of an entity can be replayed into the read model any number of
//! times ([`replay_entity`]) and give the same state.

use serde::{Deserialize, Serialize};
use sqlx::{Any, Transaction};

use crate::clock::Micros;
use crate::error::{Error, Result};
use crate::gate::READ_MODEL_MOVED;
use crate::model::{Decision, OutboxMessage, ReadModelRow};
use crate::saga::SagaPlan;
use crate::store::rows::{self, READ_MODEL_COLUMNS};
use crate::store::Store;

/// What one decision does to the business.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    /// The entity's new state as JSON text; `None` leaves the read model unchanged.
    pub state: Option<String>,
    /// A saga to start in the decision's transaction.
    pub saga: Option<SagaPlan>,
    /// Messages to publish, written to the outbox in the same transaction.
    pub outbox: Vec<OutboxMessage>,
}

/// Turns a decision into business effects. Must be deterministic: no clock, no randomness,
/// no model call.
pub trait Projector: Send + Sync {
    fn project(&self, decision: &Decision, current: Option<&ReadModelRow>) -> Projection;
}

/// A projector that records the last label and confidence per entity; the default when a
/// deployment brings none of its own.
#[derive(Debug, Default, Clone, Copy)]
pub struct LabelProjector;

impl Projector for LabelProjector {
    fn project(&self, decision: &Decision, _current: Option<&ReadModelRow>) -> Projection {
        let Some(label) = &decision.label else {
            return Projection::default();
        };
        let state = serde_json::json!({
            "label": label,
            "confidence": decision.confidence,
            "model_version": decision.model.version,
        });
        Projection {
            state: Some(state.to_string()),
            ..Projection::default()
        }
    }
}

/// The read-model row of an entity, read inside a transaction.
pub(crate) async fn current_row(
    tx: &mut Transaction<'static, Any>,
    entity_key: &str,
) -> Result<Option<ReadModelRow>> {
    let sql = format!("SELECT {READ_MODEL_COLUMNS} FROM read_model WHERE entity_key = $1");
    let row = sqlx::query(&sql)
        .bind(entity_key)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row.as_ref().map(rows::read_model).transpose()?)
}

/// Writes an entity's new state, checking that nobody changed it since `current_version`.
pub(crate) async fn write_row(
    tx: &mut Transaction<'static, Any>,
    entity_key: &str,
    decision_id: &str,
    current_version: Option<i64>,
    state: &str,
    now_us: Micros,
) -> Result<()> {
    let done = match current_version {
        Some(version) => {
            sqlx::query(
                "UPDATE read_model SET state = $1, last_decision_id = $2, version = version + 1, \
                 updated_at_us = $3 WHERE entity_key = $4 AND version = $5",
            )
            .bind(state)
            .bind(decision_id)
            .bind(now_us)
            .bind(entity_key)
            .bind(version)
            .execute(&mut **tx)
            .await?
        }
        None => sqlx::query(
            "INSERT INTO read_model (entity_key, state, last_decision_id, version, updated_at_us) \
             VALUES ($1, $2, $3, 1, $4) ON CONFLICT (entity_key) DO NOTHING",
        )
        .bind(entity_key)
        .bind(state)
        .bind(decision_id)
        .bind(now_us)
        .execute(&mut **tx)
        .await?,
    };
    if done.rows_affected() != 1 {
        return Err(Error::Conflict(READ_MODEL_MOVED.into()));
    }
    Ok(())
}

/// Rebuilds an entity's read-model state from its stored decisions, oldest first, without
/// starting sagas or writing outbox rows again. Returns the state it wrote, if any.
///
/// Idempotent: replaying twice writes the same state (the version still counts each write).
/// Reads the entity's decisions in pages, so a busy entity costs bounded memory.
pub async fn replay_entity(
    store: &Store,
    projector: &dyn Projector,
    entity_key: &str,
    now_us: Micros,
) -> Result<Option<String>> {
    let Some(folded) = fold_entity(store, projector, entity_key).await? else {
        return Ok(None);
    };

    // Write under the version read in the same transaction; the write comes first for SQLite.
    let mut tx = store.pool().begin().await?;
    sqlx::query("UPDATE read_model SET version = version WHERE entity_key = $1")
        .bind(entity_key)
        .execute(&mut *tx)
        .await?;
    let version = current_row(&mut tx, entity_key).await?.map(|r| r.version);
    write_row(
        &mut tx,
        entity_key,
        &folded.last_decision_id,
        version,
        &folded.state,
        now_us,
    )
    .await?;
    tx.commit().await?;
    Ok(Some(folded.state))
}

/// Folds an entity's decisions through the projector, oldest first.
async fn fold_entity(
    store: &Store,
    projector: &dyn Projector,
    entity_key: &str,
) -> Result<Option<ReadModelRow>> {
    let mut folded: Option<ReadModelRow> = None;
    let mut after: Option<(Micros, String)> = None;
    loop {
        let page = store
            .entity_decisions_oldest_first(entity_key, after.as_ref(), 500)
            .await?;
        let Some(last) = page.last() else { break };
        after = Some((last.decided_at_us, last.decision_id.clone()));
        for decision in page {
            if let Some(state) = projector.project(&decision, folded.as_ref()).state {
                folded = Some(ReadModelRow {
                    entity_key: entity_key.to_owned(),
                    state,
                    last_decision_id: decision.decision_id.clone(),
                    version: folded.as_ref().map_or(1, |r| r.version + 1),
                    updated_at_us: decision.decided_at_us,
                });
            }
        }
    }
    Ok(folded)
}
