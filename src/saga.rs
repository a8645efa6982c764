//! Sagas: multi-step workflows recorded step by step, with compensations coded in advance.
//!
//! A saga is started in the transaction of the decision that asked for it. Each step then
//! moves `pending -> done` or `pending -> failed`; a failure turns the saga to `compensating`
//! and the done steps are undone in reverse order by their named compensations, which are
//! plain code and never call the model. Every transition bumps the saga's `version` and is
//! checked against the version the caller read (optimistic locking), so two workers can never
//! both advance the same saga.

use serde::{Deserialize, Serialize};
use sqlx::{Any, Transaction};

use crate::clock::Micros;
use crate::error::{Error, Result};
use crate::model::{Decision, Saga, SagaState, SagaStep, StepStatus};
use crate::store::Store;

/// One step of a saga plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepPlan {
    pub name: String,
    /// Name of the pre-coded compensation that undoes this step.
    pub compensation: String,
}

/// A saga a projection asks to start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SagaPlan {
    pub saga_type: String,
    pub steps: Vec<StepPlan>,
    /// Time allowed from start to completion; past it an in-flight saga counts as stuck.
    pub deadline_us: Micros,
}

/// Inserts a saga and its pending steps.
pub(crate) async fn start(
    tx: &mut Transaction<'static, Any>,
    decision: &Decision,
    plan: &SagaPlan,
    now_us: Micros,
) -> Result<String> {
    let saga_id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO sagas (saga_id, saga_type, entity_key, decision_id, state, current_step, \
             version, started_at_us, updated_at_us, deadline_at_us) \
         VALUES ($1, $2, $3, $4, 'running', 0, 1, $5, $5, $6)",
    )
    .bind(&saga_id)
    .bind(&plan.saga_type)
    .bind(&decision.entity_key)
    .bind(&decision.decision_id)
    .bind(now_us)
    .bind(now_us + plan.deadline_us)
    .execute(&mut **tx)
    .await?;
    for (i, step) in plan.steps.iter().enumerate() {
        sqlx::query(
            "INSERT INTO saga_steps (saga_id, step_index, name, status, compensation, attempts, \
                 last_error, started_at_us, updated_at_us) \
             VALUES ($1, $2, $3, 'pending', $4, 0, NULL, NULL, $5)",
        )
        .bind(&saga_id)
        .bind(i as i64)
        .bind(&step.name)
        .bind(&step.compensation)
        .bind(now_us)
        .execute(&mut **tx)
        .await?;
    }
    Ok(saga_id)
}

/// What a worker reports after trying a saga's current step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepResult {
    Done,
    Failed(String),
}

/// Records the result of the saga's current step and moves the saga on.
///
/// `expected_version` is the version the worker read; a saga that moved since is refused
/// with [`Error::Conflict`] and nothing is written.
pub async fn record_step(
    store: &Store,
    saga: &Saga,
    result: StepResult,
    now_us: Micros,
) -> Result<Saga> {
    if saga.state != SagaState::Running {
        return Err(Error::Conflict(format!(
            "saga {} is {}, not running",
            saga.saga_id,
            saga.state.as_str()
        )));
    }
    let steps = store.saga_steps(&saga.saga_id).await?;
    let last = steps.len() as i64 - 1;
    let (status, error) = match &result {
        StepResult::Done => (StepStatus::Done, None),
        StepResult::Failed(e) => (StepStatus::Failed, Some(e.clone())),
    };
    let (next_state, next_step) = match result {
        StepResult::Done if saga.current_step >= last => (SagaState::Completed, saga.current_step),
        StepResult::Done => (SagaState::Running, saga.current_step + 1),
        StepResult::Failed(_) => (SagaState::Compensating, saga.current_step),
    };

    let mut tx = store.pool().begin().await?;
    bump(&mut tx, saga, next_state, next_step, now_us).await?;
    set_step(
        &mut tx,
        &saga.saga_id,
        saga.current_step,
        status,
        error.as_deref(),
        now_us,
    )
    .await?;
    tx.commit().await?;
    Ok(Saga {
        state: next_state,
        current_step: next_step,
        version: saga.version + 1,
        updated_at_us: now_us,
        ..saga.clone()
    })
}

/// Runs the next compensation of a compensating saga (the latest done step first).
///
/// `compensate` is the pre-coded compensation, called with the step; it must be idempotent,
/// since a crash after it ran and before the commit makes it run again.
pub async fn compensate_next<F>(
    store: &Store,
    saga: &Saga,
    compensate: F,
    now_us: Micros,
) -> Result<Saga>
where
    F: FnOnce(&SagaStep) -> std::result::Result<(), String>,
{
    if saga.state != SagaState::Compensating {
        return Err(Error::Conflict(format!(
            "saga {} is {}, not compensating",
            saga.saga_id,
            saga.state.as_str()
        )));
    }
    let steps = store.saga_steps(&saga.saga_id).await?;
    let Some(step) = steps.iter().rev().find(|s| s.status == StepStatus::Done) else {
        return finish_compensation(store, saga, now_us).await;
    };
    let outcome = compensate(step);
    let (status, state, error) = match &outcome {
        Ok(()) => (StepStatus::Compensated, SagaState::Compensating, None),
        Err(e) => (
            StepStatus::CompensationFailed,
            SagaState::CompensationFailed,
            Some(e.as_str()),
        ),
    };
    let mut tx = store.pool().begin().await?;
    bump(&mut tx, saga, state, step.step_index, now_us).await?;
    set_step(
        &mut tx,
        &saga.saga_id,
        step.step_index,
        status,
        error,
        now_us,
    )
    .await?;
    tx.commit().await?;
    Ok(Saga {
        state,
        current_step: step.step_index,
        version: saga.version + 1,
        updated_at_us: now_us,
        ..saga.clone()
    })
}

/// Marks a compensating saga with nothing left to undo as compensated.
async fn finish_compensation(store: &Store, saga: &Saga, now_us: Micros) -> Result<Saga> {
    let mut tx = store.pool().begin().await?;
    bump(
        &mut tx,
        saga,
        SagaState::Compensated,
        saga.current_step,
        now_us,
    )
    .await?;
    tx.commit().await?;
    Ok(Saga {
        state: SagaState::Compensated,
        version: saga.version + 1,
        updated_at_us: now_us,
        ..saga.clone()
    })
}

/// Moves a saga to a new state under optimistic locking.
async fn bump(
    tx: &mut Transaction<'static, Any>,
    saga: &Saga,
    state: SagaState,
    current_step: i64,
    now_us: Micros,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE sagas SET state = $1, current_step = $2, version = version + 1, updated_at_us = $3 \
         WHERE saga_id = $4 AND version = $5",
    )
    .bind(state.as_str())
    .bind(current_step)
    .bind(now_us)
    .bind(&saga.saga_id)
    .bind(saga.version)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(Error::Conflict(format!(
            "saga {} changed since version {}; reload it",
            saga.saga_id, saga.version
        )));
    }
    Ok(())
}

async fn set_step(
    tx: &mut Transaction<'static, Any>,
    saga_id: &str,
    step_index: i64,
    status: StepStatus,
    error: Option<&str>,
    now_us: Micros,
) -> Result<()> {
    sqlx::query(
        "UPDATE saga_steps SET status = $1, attempts = attempts + 1, last_error = $2, \
             started_at_us = COALESCE(started_at_us, $3), updated_at_us = $3 \
         WHERE saga_id = $4 AND step_index = $5",
    )
    .bind(status.as_str())
    .bind(error)
    .bind(now_us)
    .bind(saga_id)
    .bind(step_index)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
