//! Reading the decision log: the keyset-paginated tail, lookups and a decision's context.

use serde::{Deserialize, Serialize};

use super::rows::{self, DECISION_COLUMNS, DEDUP_COLUMNS, HIT_COLUMNS, SAGA_COLUMNS, STEP_COLUMNS};
use super::Store;
use crate::clock::Micros;
use crate::error::Result;
use crate::model::{Decision, DedupKey, DuplicateHit, ReadModelRow, Saga, SagaStep};

/// A position in the decision log, newest first: the last row of the previous page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionCursor {
    pub decided_at_us: Micros,
    pub decision_id: String,
}

/// The columns of a decision the live tail shows; the raw output stays in the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionSummary {
    pub decision_id: String,
    pub idempotency_key: String,
    pub event_id: String,
    pub entity_key: String,
    pub model_version: String,
    pub label: Option<String>,
    pub confidence: Option<f64>,
    pub output_is_json: bool,
    pub decided_at_us: Micros,
}

impl DecisionSummary {
    /// The cursor that continues after this row.
    pub fn cursor(&self) -> DecisionCursor {
        DecisionCursor {
            decided_at_us: self.decided_at_us,
            decision_id: self.decision_id.clone(),
        }
    }
}

const SUMMARY_COLUMNS: &str = "decision_id, idempotency_key, event_id, entity_key, \
     model_version, label, confidence, output_is_json, decided_at_us";

fn summary(row: &sqlx::any::AnyRow) -> sqlx::Result<DecisionSummary> {
    use sqlx::Row;
    Ok(DecisionSummary {
        decision_id: row.try_get("decision_id")?,
        idempotency_key: row.try_get("idempotency_key")?,
        event_id: row.try_get("event_id")?,
        entity_key: row.try_get("entity_key")?,
        model_version: row.try_get("model_version")?,
        label: row.try_get("label")?,
        confidence: row.try_get("confidence")?,
        output_is_json: row.try_get::<i64, _>("output_is_json")? != 0,
        decided_at_us: row.try_get("decided_at_us")?,
    })
}

/// Everything the detail pane and `verdict lookup` show about one decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionContext {
    pub decision: Decision,
    pub dedup_key: Option<DedupKey>,
    /// The most recent duplicate hits of this decision's key, newest first.
    pub duplicate_hits: Vec<DuplicateHit>,
    pub sagas: Vec<(Saga, Vec<SagaStep>)>,
    pub read_model: Option<ReadModelRow>,
}

/// How many duplicate hits a context carries at most.
pub const CONTEXT_HITS: i64 = 50;

impl Store {
    /// One page of the log, newest first, strictly after `after` when given.
    ///
    /// Served by the `decisions_tail` index whatever the table's size.
    pub async fn decisions_page(
        &self,
        after: Option<&DecisionCursor>,
        limit: u32,
    ) -> Result<Vec<DecisionSummary>> {
        let rows = match after {
            None => {
                let sql = format!(
                    "SELECT {SUMMARY_COLUMNS} FROM decisions \
                     ORDER BY decided_at_us DESC, decision_id DESC LIMIT $1"
                );
                sqlx::query(&sql)
                    .bind(i64::from(limit))
                    .fetch_all(self.pool())
                    .await?
            }
            Some(c) => {
                let sql = format!(
                    "SELECT {SUMMARY_COLUMNS} FROM decisions \
                     WHERE (decided_at_us, decision_id) < ($1, $2) \
                     ORDER BY decided_at_us DESC, decision_id DESC LIMIT $3"
                );
                sqlx::query(&sql)
                    .bind(c.decided_at_us)
                    .bind(&c.decision_id)
                    .bind(i64::from(limit))
                    .fetch_all(self.pool())
                    .await?
            }
        };
        Ok(rows.iter().map(summary).collect::<sqlx::Result<_>>()?)
    }

    /// Decisions whose idempotency key, event id, entity key or decision id is exactly `needle`,
    /// or that answered a redelivered event with that id; newest first, at most `limit`.
    ///
    /// The one search behind the console's `/` and `verdict lookup`; every branch is an
    /// index lookup.
    pub async fn search_decisions(&self, needle: &str, limit: u32) -> Result<Vec<DecisionSummary>> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM decisions WHERE idempotency_key = $1 \
             UNION SELECT {SUMMARY_COLUMNS} FROM decisions WHERE event_id = $1 \
             UNION SELECT {SUMMARY_COLUMNS} FROM decisions WHERE entity_key = $1 \
             UNION SELECT {SUMMARY_COLUMNS} FROM decisions WHERE decision_id = $1 \
             UNION SELECT {SUMMARY_COLUMNS} FROM decisions WHERE decision_id IN \
                 (SELECT decision_id FROM duplicate_hits WHERE event_id = $1) \
             ORDER BY decided_at_us DESC, decision_id DESC LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(needle)
            .bind(i64::from(limit))
            .fetch_all(self.pool())
            .await?;
        Ok(rows.iter().map(summary).collect::<sqlx::Result<_>>()?)
    }

    /// The decision with this id.
    pub async fn decision(&self, decision_id: &str) -> Result<Option<Decision>> {
        let sql = format!("SELECT {DECISION_COLUMNS} FROM decisions WHERE decision_id = $1");
        let row = sqlx::query(&sql)
            .bind(decision_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.as_ref().map(rows::decision).transpose()?)
    }

    /// The decision an idempotency key, event id (original or redelivered), entity key or
    /// decision id resolves to: the key's current decision first, else the newest match of
    /// [`Store::search_decisions`], the console's search.
    pub async fn lookup(&self, needle: &str) -> Result<Option<Decision>> {
        if let Some(key) = self.dedup_key(needle).await? {
            if let Some(id) = key.decision_id {
                return self.decision(&id).await;
            }
        }
        match self.search_decisions(needle, 1).await?.first() {
            Some(found) => self.decision(&found.decision_id).await,
            None => Ok(None),
        }
    }

    /// The dedup window's row for a key.
    pub async fn dedup_key(&self, key: &str) -> Result<Option<DedupKey>> {
        let sql = format!("SELECT {DEDUP_COLUMNS} FROM dedup_keys WHERE idempotency_key = $1");
        let row = sqlx::query(&sql)
            .bind(key)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.as_ref().map(rows::dedup_key).transpose()?)
    }

    /// The most recent duplicate hits of a key, newest first.
    pub async fn duplicate_hits_for_key(&self, key: &str, limit: i64) -> Result<Vec<DuplicateHit>> {
        let sql = format!(
            "SELECT {HIT_COLUMNS} FROM duplicate_hits WHERE idempotency_key = $1 \
             ORDER BY delivered_at_us DESC LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(key)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(rows::duplicate_hit)
            .collect::<sqlx::Result<_>>()?)
    }

    /// The current read-model row of an entity.
    pub async fn read_model(&self, entity_key: &str) -> Result<Option<ReadModelRow>> {
        let sql = format!(
            "SELECT {} FROM read_model WHERE entity_key = $1",
            rows::READ_MODEL_COLUMNS
        );
        let row = sqlx::query(&sql)
            .bind(entity_key)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.as_ref().map(rows::read_model).transpose()?)
    }

    /// The sagas a decision started, each with its steps in order.
    pub async fn sagas_for_decision(
        &self,
        decision_id: &str,
    ) -> Result<Vec<(Saga, Vec<SagaStep>)>> {
        let sql = format!("SELECT {SAGA_COLUMNS} FROM sagas WHERE decision_id = $1");
        let rows = sqlx::query(&sql)
            .bind(decision_id)
            .fetch_all(self.pool())
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let saga = rows::saga(row)?;
            let steps = self.saga_steps(&saga.saga_id).await?;
            out.push((saga, steps));
        }
        Ok(out)
    }

    /// The steps of a saga, in order.
    pub async fn saga_steps(&self, saga_id: &str) -> Result<Vec<SagaStep>> {
        let sql =
            format!("SELECT {STEP_COLUMNS} FROM saga_steps WHERE saga_id = $1 ORDER BY step_index");
        let rows = sqlx::query(&sql)
            .bind(saga_id)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(rows::saga_step)
            .collect::<sqlx::Result<_>>()?)
    }

    /// A decision with everything around it, or `None` when the id is unknown.
    pub async fn decision_context(&self, decision_id: &str) -> Result<Option<DecisionContext>> {
        let Some(decision) = self.decision(decision_id).await? else {
            return Ok(None);
        };
        let dedup_key = self.dedup_key(&decision.idempotency_key).await?;
        let duplicate_hits = self
            .duplicate_hits_for_key(&decision.idempotency_key, CONTEXT_HITS)
            .await?;
        let sagas = self.sagas_for_decision(decision_id).await?;
        let read_model = self.read_model(&decision.entity_key).await?;
        Ok(Some(DecisionContext {
            decision,
            dedup_key,
            duplicate_hits,
            sagas,
            read_model,
        }))
    }
}

impl Store {
    /// One page of an entity's decisions, oldest first, strictly after `after`.
    pub async fn entity_decisions_oldest_first(
        &self,
        entity_key: &str,
        after: Option<&(Micros, String)>,
        limit: i64,
    ) -> Result<Vec<Decision>> {
        let (at, id) = after.cloned().unwrap_or((i64::MIN, String::new()));
        let sql = format!(
            "SELECT {DECISION_COLUMNS} FROM decisions WHERE entity_key = $1 \
             AND (decided_at_us > $2 OR (decided_at_us = $2 AND decision_id > $3)) \
             ORDER BY decided_at_us, decision_id LIMIT $4"
        );
        let rows = sqlx::query(&sql)
            .bind(entity_key)
            .bind(at)
            .bind(id)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(rows::decision)
            .collect::<sqlx::Result<_>>()?)
    }
}
