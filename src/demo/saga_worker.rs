//! The demo's saga worker: advances payout sagas one step per tick, sometimes failing.
//!
//! Which step fails, which compensation fails and which saga stalls is drawn from the seed and
//! the saga's id, so a saga behaves the same on every tick. About 4% of steps fail (the saga
//! then compensates), a fifth of compensations fail (the saga needs an operator), and about 7%
//! of sagas stall at some step: the worker never advances them again, so they pass their
//! deadline and show up as stuck.

use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use super::claims::SAGA_STEPS;
use super::failures::FailureRun;
use super::progress::Counters;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::model::{Saga, SagaState, SagaStep};
use crate::saga::{self, StepResult};
use crate::store::Store;

/// Share of steps that fail.
const STEP_FAILURE: f64 = 0.04;

/// Share of compensations that fail.
const COMPENSATION_FAILURE: f64 = 0.2;

/// Share of sagas that stall.
const STALL: f64 = 0.07;

/// Sagas read per state per tick.
const BATCH: i64 = 200;

/// The worker.
pub(super) struct SagaWorker {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub seed: u64,
    /// Time between two ticks; each saga moves at most one step per tick.
    pub interval: Duration,
    pub counters: Arc<Counters>,
}

impl SagaWorker {
    /// Ticks until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut ticks = tokio::time::interval(self.interval);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut failures = FailureRun::default();
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = shutdown.changed() => break,
            }
            match self.tick().await {
                Err(e) if failures.failed() => {
                    tracing::warn!(error = %e, "saga worker tick failed; retrying every tick");
                }
                Err(_) => {}
                Ok(()) => {
                    if let Some(failed) = failures.succeeded() {
                        tracing::info!(failed, "saga worker ticks succeed again");
                    }
                }
            }
        }
        tracing::info!("saga worker stopped");
    }

    /// Moves every due saga by one step or one compensation.
    async fn tick(&self) -> Result<()> {
        let now = self.clock.now_us();
        for saga in self
            .store
            .sagas_within_deadline(SagaState::Running, now, BATCH)
            .await?
        {
            if self
                .stalled_at(&saga)
                .is_some_and(|step| saga.current_step >= step)
            {
                continue;
            }
            let result = self.step_result(&saga);
            let moved = saga::record_step(&self.store, &saga, result, self.clock.now_us()).await;
            if self.note(moved.map(|_| ()), &saga, "step")? {
                self.counters.saga_step();
            }
        }
        for saga in self
            .store
            .sagas_within_deadline(SagaState::Compensating, now, BATCH)
            .await?
        {
            let seed = self.seed;
            let undo = |step: &SagaStep| compensate(seed, step);
            let moved = saga::compensate_next(&self.store, &saga, undo, self.clock.now_us()).await;
            if self.note(moved.map(|_| ()), &saga, "compensation")? {
                self.counters.compensation();
            }
        }
        Ok(())
    }

    /// True when the saga moved. A saga that moved under the worker is skipped (false); any
    /// other failure ends the tick.
    fn note(&self, moved: Result<()>, saga: &Saga, what: &str) -> Result<bool> {
        match moved {
            Ok(()) => Ok(true),
            Err(Error::Conflict(why)) => {
                tracing::debug!(saga = %saga.saga_id, %why, "saga {what} skipped");
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// The step this saga stalls at, if it is one of the stalling few.
    fn stalled_at(&self, saga: &Saga) -> Option<i64> {
        let draw = chance(self.seed, "stall", &saga.saga_id, 0);
        (draw < STALL).then(|| (draw / STALL * SAGA_STEPS.len() as f64) as i64)
    }

    fn step_result(&self, saga: &Saga) -> StepResult {
        let index = saga.current_step;
        if chance(self.seed, "step", &saga.saga_id, index) >= STEP_FAILURE {
            return StepResult::Done;
        }
        let why = match index {
            0 => "claims db: lock wait timeout on claim row",
            1 => "payments API: 503 Service Unavailable",
            _ => "mail provider: 429 rate limited",
        };
        StepResult::Failed(why.into())
    }
}

/// The pre-coded compensations of the payout saga; they never call the model.
fn compensate(seed: u64, step: &SagaStep) -> std::result::Result<(), String> {
    if chance(seed, "compensation", &step.saga_id, step.step_index) >= COMPENSATION_FAILURE {
        return Ok(());
    }
    Err(match step.compensation.as_str() {
        "cancel-payout" => "cancel-payout: transfer already released to the bank".into(),
        "send-correction" => "send-correction: customer address bounced".into(),
        other => format!("{other}: claim row locked by a manual edit"),
    })
}

/// A number in [0, 1) fixed by the seed, a purpose, a saga and a step.
fn chance(seed: u64, tag: &str, saga_id: &str, step: i64) -> f64 {
    let digest = Sha256::new()
        .chain_update(seed.to_le_bytes())
        .chain_update(tag.as_bytes())
        .chain_update(saga_id.as_bytes())
        .chain_update(step.to_le_bytes())
        .finalize();
    let mut head = [0_u8; 8];
    head.copy_from_slice(&digest[..8]);
    (u64::from_le_bytes(head) >> 11) as f64 / (1_u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chances_are_fixed_and_spread() {
        assert_eq!(chance(1, "step", "s-1", 0), chance(1, "step", "s-1", 0));
        let draws: Vec<f64> = (0..1_000)
            .map(|i| chance(1, "stall", &format!("s-{i}"), 0))
            .collect();
        assert!(draws.iter().all(|d| (0.0..1.0).contains(d)));
        let low = draws.iter().filter(|d| **d < 0.1).count();
        assert!((50..=150).contains(&low), "{low}");
    }
}
