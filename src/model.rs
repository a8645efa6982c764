//! The rows verdict reads and writes, as typed values.

use serde::{Deserialize, Serialize};

use crate::clock::Micros;

/// Where an event was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcePosition {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

/// Which model produced an output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelId {
    pub name: String,
    pub version: String,
}

/// One row of the decision log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub decision_id: String,
    pub idempotency_key: String,
    pub event_id: String,
    pub source: Option<SourcePosition>,
    pub entity_key: String,
    pub model: ModelId,
    /// Exactly what the model returned, valid JSON or not.
    pub raw_output: String,
    /// Whether `raw_output` parsed as JSON.
    pub output_is_json: bool,
    /// The decision label (`approve`, `reject`, ...), absent when the output had none.
    pub label: Option<String>,
    /// The model's confidence in [0, 1], absent when the output had none.
    pub confidence: Option<f64>,
    pub inference_latency_us: i64,
    pub decided_at_us: Micros,
}

/// Status of a key in the dedup window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    /// Claimed by a worker whose model call has not committed yet.
    InProgress,
    /// A decision is stored; deliveries are answered from it.
    Completed,
}

impl KeyStatus {
    /// The value stored in `dedup_keys.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
        }
    }

    /// Parses a stored status; unknown text reads as in progress, the cautious choice.
    pub fn parse(s: &str) -> Self {
        if s == "completed" {
            Self::Completed
        } else {
            Self::InProgress
        }
    }
}

/// One row of `dedup_keys`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DedupKey {
    pub idempotency_key: String,
    pub status: KeyStatus,
    pub lease_expires_at_us: Option<Micros>,
    pub payload_hash: String,
    pub decision_id: Option<String>,
    pub first_seen_at_us: Micros,
    pub last_hit_at_us: Option<Micros>,
    pub hit_count: i64,
    pub expires_at_us: Micros,
}

/// One row of `duplicate_hits`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateHit {
    pub hit_id: String,
    pub idempotency_key: String,
    pub event_id: String,
    pub decision_id: String,
    pub delivered_at_us: Micros,
    pub payload_hash: String,
    pub payload_matched: bool,
}

/// One row of `read_model`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadModelRow {
    pub entity_key: String,
    /// JSON text of the entity's current state.
    pub state: String,
    pub last_decision_id: String,
    pub version: i64,
    pub updated_at_us: Micros,
}

/// A message written to the outbox in the decision's transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub topic: String,
    pub key: Option<String>,
    pub payload: String,
}

/// State of a saga as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SagaState {
    Running,
    Completed,
    Compensating,
    Compensated,
    Failed,
    CompensationFailed,
}

impl SagaState {
    /// Every state, in the order the console lists them.
    pub const ALL: [SagaState; 6] = [
        Self::Running,
        Self::Compensating,
        Self::Failed,
        Self::CompensationFailed,
        Self::Completed,
        Self::Compensated,
    ];

    /// The value stored in `sagas.state`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Compensating => "compensating",
            Self::Compensated => "compensated",
            Self::Failed => "failed",
            Self::CompensationFailed => "compensation_failed",
        }
    }

    /// Parses a stored state.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// True while the saga still has work to do.
    pub fn is_in_flight(self) -> bool {
        matches!(self, Self::Running | Self::Compensating)
    }
}

/// Status of one saga step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Pending,
    Done,
    Failed,
    Compensating,
    Compensated,
    CompensationFailed,
}

impl StepStatus {
    const ALL: [StepStatus; 6] = [
        Self::Pending,
        Self::Done,
        Self::Failed,
        Self::Compensating,
        Self::Compensated,
        Self::CompensationFailed,
    ];

    /// The value stored in `saga_steps.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Compensating => "compensating",
            Self::Compensated => "compensated",
            Self::CompensationFailed => "compensation_failed",
        }
    }

    /// Parses a stored status.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// One row of `sagas`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Saga {
    pub saga_id: String,
    pub saga_type: String,
    pub entity_key: String,
    pub decision_id: String,
    pub state: SagaState,
    pub current_step: i64,
    pub version: i64,
    pub started_at_us: Micros,
    pub updated_at_us: Micros,
    pub deadline_at_us: Micros,
}

/// One row of `saga_steps`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SagaStep {
    pub saga_id: String,
    pub step_index: i64,
    pub name: String,
    pub status: StepStatus,
    /// Name of the pre-coded compensation; compensations never call the model.
    pub compensation: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub started_at_us: Option<Micros>,
    pub updated_at_us: Micros,
}
