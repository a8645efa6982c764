//! The demo's business domain: insurance claims, their events, read model and payout saga.

use serde::{Deserialize, Serialize};

use crate::clock::Micros;
use crate::error::Result;
use crate::gate::Event;
use crate::key::KeyBuilder;
use crate::model::{Decision, OutboxMessage, ReadModelRow, SourcePosition};
use crate::projection::{Projection, Projector};
use crate::saga::{SagaPlan, StepPlan};

/// The saga type started when a claim is approved.
pub const SAGA_TYPE: &str = "claim-payout";

/// The payout saga's steps, each with the compensation that undoes it.
pub const SAGA_STEPS: [(&str, &str); 3] = [
    ("mark-approved", "unmark-approved"),
    ("schedule-payout", "cancel-payout"),
    ("notify-customer", "send-correction"),
];

/// One event on the claims topic, as it travels through Kafka.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimEvent {
    pub event_id: String,
    pub customer: String,
    pub claim: String,
    /// `assess` for a new claim, `appeal` for a second look at an earlier one.
    pub action: String,
    pub amount: f64,
}

/// The business fields of an event: what the model reads and the gate hashes. The event id
/// is left out, so a re-emitted event with a new id but the same content is a true duplicate.
#[derive(Serialize)]
struct Body<'a> {
    customer: &'a str,
    claim: &'a str,
    action: &'a str,
    amount: f64,
}

impl ClaimEvent {
    /// `customer:claim:action`: one logical request, however often it is delivered.
    pub fn idempotency_key(&self) -> Result<String> {
        KeyBuilder::new()
            .part(&self.customer)
            .part(&self.claim)
            .part(&self.action)
            .build()
    }

    /// The business fields as JSON, in a fixed field order.
    pub fn body(&self) -> String {
        let body = Body {
            customer: &self.customer,
            claim: &self.claim,
            action: &self.action,
            amount: self.amount,
        };
        serde_json::to_string(&body).unwrap_or_default()
    }

    /// The event as the gate sees it.
    pub fn to_gate_event(&self, source: Option<SourcePosition>) -> Result<Event> {
        Ok(Event {
            event_id: self.event_id.clone(),
            idempotency_key: self.idempotency_key()?,
            entity_key: self.claim.clone(),
            payload: self.body(),
            source,
        })
    }
}

/// The read model of one claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimState {
    /// approved, rejected, escalated, or needs-review when the model's reply was unreadable.
    pub status: String,
    pub amount: Option<f64>,
    /// How many decisions this claim has had.
    pub decisions: i64,
    pub model_version: String,
}

/// Projects claim decisions: the claim's status, a payout saga on approval, an outbox message.
///
/// Deterministic: the projection is a function of the decision and the current row only.
#[derive(Debug, Clone, Copy)]
pub struct ClaimProjector {
    /// The payout saga's deadline, from start to completion.
    pub saga_deadline_us: Micros,
}

impl Projector for ClaimProjector {
    fn project(&self, decision: &Decision, current: Option<&ReadModelRow>) -> Projection {
        let previous = current.and_then(|row| serde_json::from_str::<ClaimState>(&row.state).ok());
        let reply = serde_json::from_str::<serde_json::Value>(&decision.raw_output).ok();
        let status = decision.label.as_deref().map_or("needs-review", status_of);
        let state = ClaimState {
            status: status.to_owned(),
            amount: reply
                .as_ref()
                .and_then(|r| r.get("amount"))
                .and_then(|a| a.as_f64()),
            decisions: previous.as_ref().map_or(0, |p| p.decisions) + 1,
            model_version: decision.model.version.clone(),
        };
        let was_approved = previous.as_ref().is_some_and(|p| p.status == "approved");
        let saga = (status == "approved" && !was_approved).then(|| self.payout_plan());
        Projection {
            state: serde_json::to_string(&state).ok(),
            saga,
            outbox: vec![outbox_message(decision, status)],
        }
    }
}

impl ClaimProjector {
    fn payout_plan(&self) -> SagaPlan {
        let steps = SAGA_STEPS
            .iter()
            .map(|(name, compensation)| StepPlan {
                name: (*name).into(),
                compensation: (*compensation).into(),
            })
            .collect();
        SagaPlan {
            saga_type: SAGA_TYPE.into(),
            steps,
            deadline_us: self.saga_deadline_us,
        }
    }
}

fn status_of(label: &str) -> &'static str {
    match label {
        "approve" => "approved",
        "reject" => "rejected",
        "escalate" => "escalated",
        _ => "needs-review",
    }
}

/// Decided claims go to `claims.decided`; unreadable replies to `claims.review` for a human.
fn outbox_message(decision: &Decision, status: &str) -> OutboxMessage {
    let topic = if status == "needs-review" {
        "claims.review"
    } else {
        "claims.decided"
    };
    let payload = serde_json::json!({
        "claim": decision.entity_key,
        "status": status,
        "decision_id": decision.decision_id,
        "model_version": decision.model.version,
    });
    OutboxMessage {
        topic: topic.into(),
        key: Some(decision.entity_key.clone()),
        payload: payload.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelId;

    fn decision(label: Option<&str>, raw: &str) -> Decision {
        Decision {
            decision_id: "d-1".into(),
            idempotency_key: "cust-1:clm-1:assess".into(),
            event_id: "evt-1".into(),
            source: None,
            entity_key: "clm-1".into(),
            model: ModelId {
                name: "claims-llm".into(),
                version: "v1".into(),
            },
            raw_output: raw.into(),
            output_is_json: label.is_some(),
            label: label.map(str::to_owned),
            confidence: Some(0.9),
            inference_latency_us: 1_000,
            decided_at_us: 1,
        }
    }

    fn row(state: &str) -> ReadModelRow {
        ReadModelRow {
            entity_key: "clm-1".into(),
            state: state.into(),
            last_decision_id: "d-0".into(),
            version: 1,
            updated_at_us: 0,
        }
    }

    const PROJECTOR: ClaimProjector = ClaimProjector {
        saga_deadline_us: 30_000_000,
    };

    #[test]
    fn projection_is_deterministic() {
        let d = decision(Some("approve"), r#"{"label":"approve","amount":120.5}"#);
        let current =
            row(r#"{"status":"escalated","amount":120.5,"decisions":1,"model_version":"v1"}"#);
        assert_eq!(
            PROJECTOR.project(&d, Some(&current)),
            PROJECTOR.project(&d, Some(&current))
        );
        assert_eq!(PROJECTOR.project(&d, None), PROJECTOR.project(&d, None));
    }

    #[test]
    fn approval_starts_the_payout_saga_once() {
        let d = decision(Some("approve"), r#"{"label":"approve","amount":120.5}"#);
        let first = PROJECTOR.project(&d, None);
        let plan = first.saga.expect("a saga on first approval");
        assert_eq!(plan.steps.len(), 3);
        assert_eq!(plan.steps[1].compensation, "cancel-payout");
        let state: ClaimState = serde_json::from_str(&first.state.expect("state")).expect("json");
        assert_eq!((state.status.as_str(), state.decisions), ("approved", 1));

        let approved =
            row(r#"{"status":"approved","amount":120.5,"decisions":1,"model_version":"v1"}"#);
        assert_eq!(PROJECTOR.project(&d, Some(&approved)).saga, None);
    }

    #[test]
    fn unreadable_reply_goes_to_review_without_saga() {
        let p = PROJECTOR.project(&decision(None, "Sure! I would approve."), None);
        assert_eq!(p.saga, None);
        assert_eq!(p.outbox[0].topic, "claims.review");
        assert!(p.state.expect("state").contains("needs-review"));
    }

    #[test]
    fn key_and_body_ignore_the_event_id() {
        let a = ClaimEvent {
            event_id: "evt-a".into(),
            customer: "cust-1".into(),
            claim: "clm-9".into(),
            action: "assess".into(),
            amount: 10.0,
        };
        let b = ClaimEvent {
            event_id: "evt-b".into(),
            ..a.clone()
        };
        assert_eq!(a.idempotency_key().expect("key"), "cust-1:clm-9:assess");
        assert_eq!(a.body(), b.body());
        assert!(!a.body().contains("evt-a"));
    }
}
