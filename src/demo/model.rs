//! The demo's stand-in for an LLM: seeded, deterministic, two versions that sometimes disagree.
//!
//! The reply to an event is a pure function of the seed, the model version and the event's
//! payload: every random draw comes from a ChaCha stream seeded by hashing those three. Version
//! v2 shares v1's opinion except on about one event in eleven, where it picks another label.
//! About one reply in a hundred is prose instead of JSON, which the gate stores as received.

use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

use crate::gate::ModelOutput;
use crate::model::ModelId;

/// The name every version of the stand-in model reports.
pub const MODEL_NAME: &str = "claims-llm";

/// The labels a claim decision can carry.
pub const LABELS: [&str; 3] = ["approve", "reject", "escalate"];

/// Share of events on which v2 picks a different label than v1.
const DISAGREEMENT: f64 = 0.09;

/// Share of replies that are not JSON.
const MALFORMED: f64 = 0.01;

/// The two versions the demo fleet runs: v1 in production, v2 as a canary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    V1,
    V2,
}

impl Version {
    /// The version string stored with each decision.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "v1",
            Self::V2 => "v2",
        }
    }
}

/// One reply of the model, before the simulated wait.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// Exactly what the model "said"; JSON most of the time.
    pub raw: String,
    /// The label behind the reply, also when `raw` is prose.
    pub label: &'static str,
    /// How long the call takes.
    pub latency: Duration,
}

/// The stand-in model. Cheap to clone.
#[derive(Debug, Clone)]
pub struct StandInModel {
    seed: u64,
    /// Inference latency is drawn uniformly from this range (inclusive, milliseconds).
    latency_ms: (u64, u64),
}

impl StandInModel {
    /// A model whose replies are fixed by `seed`; `latency_ms` is the (min, max) call time.
    pub fn new(seed: u64, latency_ms: (u64, u64)) -> Self {
        let (lo, hi) = latency_ms;
        Self {
            seed,
            latency_ms: (lo.min(hi), lo.max(hi)),
        }
    }

    /// The reply `version` gives to `payload`, without waiting.
    pub fn reply(&self, version: Version, payload: &str) -> Reply {
        // The shared opinion: both versions draw it from the same stream.
        let mut shared = self.rng(b"opinion", payload);
        let amount = amount_of(payload);
        let v1_label = pick_label(&mut shared, amount);
        let disagrees = shared.gen_bool(DISAGREEMENT);
        let other = LABELS[(index_of(v1_label) + shared.gen_range(1..LABELS.len())) % LABELS.len()];

        // What only this version decides: its label, confidence, format and speed.
        let mut own = self.rng(version.as_str().as_bytes(), payload);
        let label = if version == Version::V2 && disagrees {
            other
        } else {
            v1_label
        };
        let confidence = own.gen_range(0.55..0.99_f64);
        let malformed = own.gen_bool(MALFORMED);
        let latency = Duration::from_millis(own.gen_range(self.latency_ms.0..=self.latency_ms.1));
        let raw = if malformed {
            prose(label, &mut own)
        } else {
            serde_json::json!({
                "label": label,
                "confidence": (confidence * 1000.0).round() / 1000.0,
                "amount": amount,
                "reason": reason(label, &mut own),
            })
            .to_string()
        };
        Reply {
            raw,
            label,
            latency,
        }
    }

    /// The model call as an agent makes it: waits the simulated latency, then replies.
    pub async fn infer(
        &self,
        version: Version,
        payload: &str,
    ) -> std::result::Result<ModelOutput, String> {
        let reply = self.reply(version, payload);
        tokio::time::sleep(reply.latency).await;
        let model = ModelId {
            name: MODEL_NAME.into(),
            version: version.as_str().into(),
        };
        Ok(ModelOutput {
            model,
            raw_output: reply.raw,
        })
    }

    /// A random stream fixed by the seed, a purpose tag and the payload.
    fn rng(&self, tag: &[u8], payload: &str) -> ChaCha8Rng {
        let digest = Sha256::new()
            .chain_update(self.seed.to_le_bytes())
            .chain_update(tag)
            .chain_update([0])
            .chain_update(payload.as_bytes())
            .finalize();
        ChaCha8Rng::from_seed(digest.into())
    }
}

/// Large claims are rejected and escalated more often than small ones.
fn pick_label(rng: &mut ChaCha8Rng, amount: f64) -> &'static str {
    let (approve, reject) = if amount > 2_000.0 {
        (0.45, 0.30)
    } else {
        (0.65, 0.22)
    };
    let draw: f64 = rng.gen();
    if draw < approve {
        "approve"
    } else if draw < approve + reject {
        "reject"
    } else {
        "escalate"
    }
}

fn index_of(label: &str) -> usize {
    LABELS.iter().position(|l| *l == label).unwrap_or(0)
}

/// The `amount` field of an event payload, 0 when absent.
fn amount_of(payload: &str) -> f64 {
    serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| v.get("amount").and_then(serde_json::Value::as_f64))
        .unwrap_or(0.0)
}

fn reason(label: &str, rng: &mut ChaCha8Rng) -> &'static str {
    let reasons: &[&'static str] = match label {
        "approve" => &[
            "receipt matches policy",
            "within coverage limit",
            "repeat customer, clean history",
        ],
        "reject" => &[
            "not covered by policy",
            "duplicate of a paid claim",
            "outside claim window",
        ],
        _ => &[
            "amount above auto-approval limit",
            "documents unreadable",
            "possible fraud pattern",
        ],
    };
    reasons[rng.gen_range(0..reasons.len())]
}

/// A reply that forgot it was supposed to be JSON.
fn prose(label: &str, rng: &mut ChaCha8Rng) -> String {
    let openers = ["Sure!", "Certainly.", "Based on the documents provided,"];
    let opener = openers[rng.gen_range(0..openers.len())];
    format!("{opener} I would {label} this claim. Let me know if you need anything else.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payloads() -> Vec<String> {
        (0..2_000)
            .map(|i| {
                let customer = format!("cust-{}", i % 97);
                let amount = 40 + (i * 37) % 4_000;
                serde_json::json!({
                    "customer": customer, "claim": format!("clm-{i}"),
                    "action": "assess", "amount": amount,
                })
                .to_string()
            })
            .collect()
    }

    #[test]
    fn same_seed_and_event_give_the_same_reply() {
        let a = StandInModel::new(7, (5, 40));
        let b = StandInModel::new(7, (5, 40));
        for p in payloads().iter().take(200) {
            assert_eq!(a.reply(Version::V1, p), b.reply(Version::V1, p));
            assert_eq!(a.reply(Version::V2, p), b.reply(Version::V2, p));
        }
    }

    #[test]
    fn another_seed_gives_other_replies() {
        let a = StandInModel::new(7, (5, 40));
        let b = StandInModel::new(8, (5, 40));
        let differ = payloads()
            .iter()
            .filter(|p| a.reply(Version::V1, p) != b.reply(Version::V1, p))
            .count();
        assert!(differ > 1_000, "{differ}");
    }

    #[test]
    fn versions_disagree_on_a_measurable_share() {
        let model = StandInModel::new(42, (5, 40));
        let events = payloads();
        let disagree = events
            .iter()
            .filter(|p| model.reply(Version::V1, p).label != model.reply(Version::V2, p).label)
            .count();
        let share = disagree as f64 / events.len() as f64;
        assert!((0.06..=0.12).contains(&share), "disagreement share {share}");
    }

    #[test]
    fn a_small_share_of_replies_is_not_json() {
        let model = StandInModel::new(42, (5, 40));
        let events = payloads();
        let prose = events
            .iter()
            .filter(|p| {
                serde_json::from_str::<serde_json::Value>(&model.reply(Version::V1, p).raw).is_err()
            })
            .count();
        assert!(
            (4..=60).contains(&prose),
            "{prose} malformed replies of {}",
            events.len()
        );
    }

    #[test]
    fn latency_stays_in_its_range() {
        let model = StandInModel::new(1, (40, 5));
        for p in payloads().iter().take(300) {
            let ms = model.reply(Version::V2, p).latency.as_millis();
            assert!((5..=40).contains(&ms), "{ms}");
        }
    }
}
