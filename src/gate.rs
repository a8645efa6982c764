//! The dedup gate: at-least-once delivery in, exactly-once inference out.
//!
//! A team's agent wraps its model call in [`Gate::process`]. For each event the gate
//!
//! 1. claims the event's idempotency key in `dedup_keys` with a lease (one atomic upsert, so
//!    of two racing workers exactly one wins);
//! 2. answers a completed key from the stored decision, recording a duplicate hit (and whether
//!    the payload matched the original), without calling the model;
//! 3. otherwise calls the model outside any transaction, then in ONE transaction completes
//!    the key, appends the decision, applies the read-model projection and writes the saga and
//!    the outbox rows the projection asks for.
//!
//! A crash between claim and commit leaves only an expiring claim: after the lease another
//! worker claims the key and infers again, and no half-written decision exists.
//! A worker whose lease expired before it committed loses the key: its transaction finds the
//! claim token changed and writes nothing ([`Error::Conflict`]).

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use sha2::{Digest, Sha256};
use sqlx::{Any, Transaction};

use crate::clock::{Clock, Micros, DAY_US};
use crate::error::{Error, Result};
use crate::model::{Decision, DedupKey, KeyStatus, ModelId, SourcePosition};
use crate::projection::{Projection, Projector};
use crate::store::Store;

/// An event as the gate sees it.
#[derive(Debug, Clone)]
pub struct Event {
    pub event_id: String,
    /// Built with [`crate::key::KeyBuilder`]; equal keys mean the same logical request.
    pub idempotency_key: String,
    /// The business entity the decision is about; the read model is keyed by it.
    pub entity_key: String,
    /// The payload as delivered; its hash tells a true duplicate from a changed payload.
    pub payload: String,
    pub source: Option<SourcePosition>,
}

/// What the wrapped model call returns.
#[derive(Debug, Clone)]
pub struct ModelOutput {
    pub model: ModelId,
    /// Stored as received, valid JSON or not.
    pub raw_output: String,
}

/// What the gate did with one delivery.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The model ran and this decision was committed.
    Decided(Decision),
    /// The key was already decided; the stored decision is replayed and a hit recorded.
    Duplicate {
        decision: Decision,
        payload_matched: bool,
    },
    /// Another worker holds a live claim; retry after the lease expires.
    InProgress { lease_expires_at_us: Micros },
}

impl Outcome {
    /// The decision the caller should act on, if there is one yet.
    pub fn decision(&self) -> Option<&Decision> {
        match self {
            Self::Decided(d) | Self::Duplicate { decision: d, .. } => Some(d),
            Self::InProgress { .. } => None,
        }
    }
}

/// Settings of the gate.
#[derive(Debug, Clone, Copy)]
pub struct GateConfig {
    /// How long a completed key answers duplicates (default 32 days).
    pub window_us: Micros,
    /// How long a claim is exclusive.
    pub lease_us: Micros,
}

impl Default for GateConfig {
    fn default() -> Self {
        Self {
            window_us: 32 * DAY_US,
            lease_us: 60_000_000,
        }
    }
}

impl GateConfig {
    /// From the `[dedup]` section of the config.
    pub fn from_config(c: &crate::config::DedupConfig) -> Self {
        Self {
            window_us: i64::from(c.window_days) * DAY_US,
            lease_us: i64::from(c.lease_seconds) * 1_000_000,
        }
    }
}

/// The gate. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct Gate {
    store: Store,
    clock: Arc<dyn Clock>,
    config: GateConfig,
    projector: Arc<dyn Projector>,
}

/// How often the decision transaction is retried when the read model moved under it.
const PROJECTION_RETRIES: usize = 5;

impl Gate {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        config: GateConfig,
        projector: Arc<dyn Projector>,
    ) -> Self {
        Self {
            store,
            clock,
            config,
            projector,
        }
    }

    /// Passes one delivery through the gate; `infer` runs at most once, and only when this
    /// worker holds the claim on the key.
    pub async fn process<F, Fut>(&self, event: &Event, infer: F) -> Result<Outcome>
    where
        F: FnOnce(&Event) -> Fut,
        Fut: Future<Output = std::result::Result<ModelOutput, String>>,
    {
        validate(event)?;
        let hash = payload_hash(&event.payload);
        let token = uuid::Uuid::now_v7().to_string();
        if !self.claim(event, &hash, &token).await? {
            return self.answer_from_window(event, &hash).await;
        }

        // The model runs outside any transaction: a slow model holds no locks.
        let started = Instant::now();
        let output = match infer(event).await {
            Ok(output) => output,
            Err(message) => {
                self.release(&event.idempotency_key, &token).await?;
                return Err(Error::Inference(message));
            }
        };
        let latency_us = i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX);
        let decision = self.build_decision(event, output, latency_us);
        self.commit(event, &token, &decision).await?;
        tracing::debug!(key = %event.idempotency_key, id = %decision.decision_id, "decided");
        Ok(Outcome::Decided(decision))
    }

    /// Claims the key: inserts it, or takes over an expired lease or an expired window entry.
    /// True when this worker now holds the claim.
    async fn claim(&self, event: &Event, hash: &str, token: &str) -> Result<bool> {
        let now = self.clock.now_us();
        let done = sqlx::query(
            "INSERT INTO dedup_keys (idempotency_key, status, claim_token, lease_expires_at_us, \
                 payload_hash, decision_id, first_seen_at_us, last_hit_at_us, hit_count, \
                 expires_at_us) \
             VALUES ($1, 'in_progress', $2, $3, $4, NULL, $5, NULL, 0, $6) \
             ON CONFLICT (idempotency_key) DO UPDATE SET status = 'in_progress', \
                 claim_token = excluded.claim_token, \
                 lease_expires_at_us = excluded.lease_expires_at_us, \
                 payload_hash = excluded.payload_hash, decision_id = NULL, \
                 first_seen_at_us = excluded.first_seen_at_us, last_hit_at_us = NULL, \
                 hit_count = 0, expires_at_us = excluded.expires_at_us \
             WHERE (dedup_keys.status = 'in_progress' AND dedup_keys.lease_expires_at_us < $5) \
                OR dedup_keys.expires_at_us <= $5",
        )
        .bind(&event.idempotency_key)
        .bind(token)
        .bind(now + self.config.lease_us)
        .bind(hash)
        .bind(now)
        .bind(now + self.config.window_us)
        .execute(self.store.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Answers a delivery whose key someone else holds or has decided.
    async fn answer_from_window(&self, event: &Event, hash: &str) -> Result<Outcome> {
        let key = self
            .store
            .dedup_key(&event.idempotency_key)
            .await?
            .ok_or_else(|| {
                Error::Conflict(format!(
                    "key {} vanished while being read",
                    event.idempotency_key
                ))
            })?;
        match (key.status, &key.decision_id) {
            (KeyStatus::Completed, Some(decision_id)) => {
                self.record_hit(event, hash, &key, decision_id).await
            }
            _ => Ok(Outcome::InProgress {
                lease_expires_at_us: key.lease_expires_at_us.unwrap_or(0),
            }),
        }
    }

    /// Records a duplicate hit and returns the stored decision.
    async fn record_hit(
        &self,
        event: &Event,
        hash: &str,
        key: &DedupKey,
        decision_id: &str,
    ) -> Result<Outcome> {
        let now = self.clock.now_us();
        let payload_matched = key.payload_hash == hash;
        let mut tx = self.store.pool().begin().await?;
        sqlx::query(
            "INSERT INTO duplicate_hits (hit_id, idempotency_key, event_id, decision_id, \
                 delivered_at_us, payload_hash, payload_matched) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(&event.idempotency_key)
        .bind(&event.event_id)
        .bind(decision_id)
        .bind(now)
        .bind(hash)
        .bind(i64::from(payload_matched))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE dedup_keys SET hit_count = hit_count + 1, last_hit_at_us = $1 \
             WHERE idempotency_key = $2",
        )
        .bind(now)
        .bind(&event.idempotency_key)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;

        if !payload_matched {
            tracing::warn!(key = %event.idempotency_key, event = %event.event_id,
                "duplicate delivery with a different payload; answered with the stored decision");
        }
        let decision = self.store.decision(decision_id).await?.ok_or_else(|| {
            Error::Conflict(format!(
                "key {} points at missing decision {decision_id}",
                key.idempotency_key
            ))
        })?;
        Ok(Outcome::Duplicate {
            decision,
            payload_matched,
        })
    }

    /// Gives the key back after a failed model call, so a retry need not wait for the lease.
    async fn release(&self, key: &str, token: &str) -> Result<()> {
        sqlx::query(
            "DELETE FROM dedup_keys WHERE idempotency_key = $1 AND claim_token = $2 \
             AND status = 'in_progress'",
        )
        .bind(key)
        .bind(token)
        .execute(self.store.pool())
        .await?;
        Ok(())
    }

    fn build_decision(&self, event: &Event, output: ModelOutput, latency_us: i64) -> Decision {
        let parsed = parse_output(&output.raw_output);
        Decision {
            decision_id: uuid::Uuid::now_v7().to_string(),
            idempotency_key: event.idempotency_key.clone(),
            event_id: event.event_id.clone(),
            source: event.source.clone(),
            entity_key: event.entity_key.clone(),
            model: output.model,
            raw_output: output.raw_output,
            output_is_json: parsed.is_json,
            label: parsed.label,
            confidence: parsed.confidence,
            inference_latency_us: latency_us,
            decided_at_us: self.clock.now_us(),
        }
    }

    /// The one transaction: complete the key, append the decision, project, saga, outbox.
    async fn commit(&self, event: &Event, token: &str, decision: &Decision) -> Result<()> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut tx = self.store.pool().begin().await?;
            match self.write_decision(&mut tx, event, token, decision).await {
                Ok(()) => {
                    tx.commit().await?;
                    return Ok(());
                }
                Err(Error::Conflict(why))
                    if why == READ_MODEL_MOVED && attempt < PROJECTION_RETRIES =>
                {
                    tx.rollback().await?;
                }
                Err(e) => {
                    tx.rollback().await?;
                    return Err(e);
                }
            }
        }
    }

    async fn write_decision(
        &self,
        tx: &mut Transaction<'static, Any>,
        event: &Event,
        token: &str,
        decision: &Decision,
    ) -> Result<()> {
        // A write first, so SQLite takes the write lock before any read in this transaction.
        let completed = sqlx::query(
            "UPDATE dedup_keys SET status = 'completed', decision_id = $1, claim_token = NULL, \
                 lease_expires_at_us = NULL \
             WHERE idempotency_key = $2 AND claim_token = $3 AND status = 'in_progress'",
        )
        .bind(&decision.decision_id)
        .bind(&event.idempotency_key)
        .bind(token)
        .execute(&mut **tx)
        .await?;
        if completed.rows_affected() != 1 {
            return Err(Error::Conflict(format!(
                "lease on key {} expired before the decision committed; another worker owns it",
                event.idempotency_key
            )));
        }
        insert_decision(tx, decision).await?;
        let current = crate::projection::current_row(tx, &decision.entity_key).await?;
        let projection = self.projector.project(decision, current.as_ref());
        apply_projection(
            tx,
            decision,
            current.map(|r| r.version),
            &projection,
            self.clock.now_us(),
        )
        .await
    }
}

/// The conflict message for a read-model row that changed under the transaction.
pub(crate) const READ_MODEL_MOVED: &str = "read model moved";

/// Appends one decision row.
pub(crate) async fn insert_decision(
    tx: &mut Transaction<'static, Any>,
    d: &Decision,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO decisions (decision_id, idempotency_key, event_id, source_topic, \
             source_partition, source_offset, entity_key, model_name, model_version, raw_output, \
             output_is_json, label, confidence, inference_latency_us, decided_at_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
             CAST($13 AS DOUBLE PRECISION), $14, $15)",
    )
    .bind(&d.decision_id)
    .bind(&d.idempotency_key)
    .bind(&d.event_id)
    .bind(d.source.as_ref().map(|s| s.topic.clone()))
    .bind(d.source.as_ref().map(|s| i64::from(s.partition)))
    .bind(d.source.as_ref().map(|s| s.offset))
    .bind(&d.entity_key)
    .bind(&d.model.name)
    .bind(&d.model.version)
    .bind(&d.raw_output)
    .bind(i64::from(d.output_is_json))
    .bind(&d.label)
    // The confidence travels as text: sqlx's Any driver (0.8) types a NULL f64 as a 4-byte
    // float, so a PostgreSQL connection whose first insert had no confidence would refuse
    // every later one. `{}` prints the shortest text that parses back to the same f64.
    .bind(d.confidence.map(|c| c.to_string()))
    .bind(d.inference_latency_us)
    .bind(d.decided_at_us)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Writes what a projection asks for: read-model state, saga, outbox.
pub(crate) async fn apply_projection(
    tx: &mut Transaction<'static, Any>,
    decision: &Decision,
    current_version: Option<i64>,
    projection: &Projection,
    now_us: Micros,
) -> Result<()> {
    if let Some(state) = &projection.state {
        crate::projection::write_row(
            tx,
            &decision.entity_key,
            &decision.decision_id,
            current_version,
            state,
            now_us,
        )
        .await?;
    }
    if let Some(plan) = &projection.saga {
        crate::saga::start(tx, decision, plan, now_us).await?;
    }
    for message in &projection.outbox {
        sqlx::query(
            "INSERT INTO outbox (message_id, topic, message_key, payload, decision_id, \
                 created_at_us, published_at_us) VALUES ($1, $2, $3, $4, $5, $6, NULL)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(&message.topic)
        .bind(&message.key)
        .bind(&message.payload)
        .bind(&decision.decision_id)
        .bind(now_us)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

fn validate(event: &Event) -> Result<()> {
    if event.idempotency_key.trim().is_empty() {
        return Err(Error::Invalid(format!(
            "event {} has an empty idempotency key",
            event.event_id
        )));
    }
    if event.event_id.trim().is_empty() {
        return Err(Error::Invalid("event id is empty".into()));
    }
    Ok(())
}

/// The hex SHA-256 of a payload.
pub fn payload_hash(payload: &str) -> String {
    hex::encode(Sha256::digest(payload.as_bytes()))
}

/// What the gate reads out of a raw model output.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedOutput {
    pub is_json: bool,
    pub label: Option<String>,
    pub confidence: Option<f64>,
}

/// Reads `label` (or `decision`) and `confidence` from a JSON object output.
///
/// Anything else (not JSON, not an object, a confidence outside [0, 1] or not a number) is
/// kept as received and leaves the missing fields empty: a malformed output never fails the
/// gate and is never rewritten.
pub fn parse_output(raw: &str) -> ParsedOutput {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(raw) else {
        return ParsedOutput {
            is_json: false,
            label: None,
            confidence: None,
        };
    };
    let label = ["label", "decision"]
        .iter()
        .find_map(|k| value.get(k).and_then(|v| v.as_str()))
        .map(str::to_owned);
    let confidence = value
        .get("confidence")
        .and_then(|v| v.as_f64())
        .filter(|c| c.is_finite() && (0.0..=1.0).contains(c));
    ParsedOutput {
        is_json: true,
        label,
        confidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_label_and_confidence() {
        let p = parse_output(r#"{"label":"approve","confidence":0.93}"#);
        assert_eq!(
            p,
            ParsedOutput {
                is_json: true,
                label: Some("approve".into()),
                confidence: Some(0.93)
            }
        );
    }

    #[test]
    fn non_json_output_is_marked_not_rewritten() {
        let p = parse_output("Sure! I think we should approve.");
        assert!(!p.is_json);
        assert_eq!(p.label, None);
    }

    #[test]
    fn out_of_range_confidence_is_dropped() {
        assert_eq!(
            parse_output(r#"{"decision":"reject","confidence":7}"#).confidence,
            None
        );
        assert_eq!(
            parse_output(r#"{"decision":"reject"}"#).label.as_deref(),
            Some("reject")
        );
    }

    #[test]
    fn payload_hash_is_stable() {
        assert_eq!(payload_hash("abc").len(), 64);
        assert_eq!(payload_hash("abc"), payload_hash("abc"));
        assert_ne!(payload_hash("abc"), payload_hash("abd"));
    }
}
