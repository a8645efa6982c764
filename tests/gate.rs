//! The dedup gate against the real databases: every test runs on PostgreSQL and on SQLite.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::Notify;
use verdict::clock::{Clock, ManualClock, DAY_US};
use verdict::gate::{Event, Gate, GateConfig, ModelOutput, Outcome};
use verdict::model::{ModelId, ReadModelRow, SagaState};
use verdict::projection::{Projection, Projector};
use verdict::saga::{SagaPlan, StepPlan};
use verdict::store::Store;

const START_US: i64 = 1_780_000_000_000_000;
const LEASE_US: i64 = 30_000_000;

/// A projector that stores the label and starts a two-step saga on "approve".
struct ClaimProjector;

impl Projector for ClaimProjector {
    fn project(&self, d: &verdict::model::Decision, cur: Option<&ReadModelRow>) -> Projection {
        let Some(label) = &d.label else {
            return Projection::default();
        };
        let n = cur.map_or(0, |r| r.version);
        let saga = (label == "approve").then(|| SagaPlan {
            saga_type: "claim".into(),
            steps: vec![
                StepPlan {
                    name: "mark-approved".into(),
                    compensation: "unmark-approved".into(),
                },
                StepPlan {
                    name: "schedule-payout".into(),
                    compensation: "cancel-payout".into(),
                },
            ],
            deadline_us: 60_000_000,
        });
        Projection {
            state: Some(format!(r#"{{"label":"{label}","n":{n}}}"#)),
            saga,
            outbox: vec![verdict::model::OutboxMessage {
                topic: "claims.decided".into(),
                key: Some(d.entity_key.clone()),
                payload: d.raw_output.clone(),
            }],
        }
    }
}

struct Env {
    store: Store,
    url: String,
    clock: ManualClock,
    gate: Gate,
    _guard: Guard,
}

enum Guard {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Pg(common::PgDb),
}

async fn env(backend: &str) -> Env {
    let (url, guard) = match backend {
        "sqlite" => {
            let (dir, url) = common::fresh_sqlite();
            (url, Guard::Sqlite(dir))
        }
        _ => {
            let db = common::fresh_pg().await;
            (db.url.clone(), Guard::Pg(db))
        }
    };
    let store = Store::connect_and_migrate(&url, 10)
        .await
        .expect("connect and migrate");
    let clock = ManualClock::new(START_US);
    let config = GateConfig {
        window_us: 32 * DAY_US,
        lease_us: LEASE_US,
    };
    let gate = Gate::new(
        store.clone(),
        Arc::new(clock.clone()),
        config,
        Arc::new(ClaimProjector),
    );
    Env {
        store,
        url,
        clock,
        gate,
        _guard: guard,
    }
}

impl Env {
    async fn finish(self) {
        self.store.pool().close().await;
        if let Guard::Pg(db) = &self._guard {
            common::drop_pg(db).await;
        }
    }

    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_as::<_, (i64,)>(sql)
            .fetch_one(self.store.pool())
            .await
            .expect(sql)
            .0
    }
}

fn event(id: &str, key: &str, payload: &str) -> Event {
    Event {
        event_id: id.into(),
        idempotency_key: key.into(),
        entity_key: "claim-1".into(),
        payload: payload.into(),
        source: None,
    }
}

fn output(label: &str) -> ModelOutput {
    ModelOutput {
        model: ModelId {
            name: "claims-llm".into(),
            version: "v1".into(),
        },
        raw_output: format!(r#"{{"label":"{label}","confidence":0.9}}"#),
    }
}

/// Calls the model and counts the calls.
async fn counted(calls: &AtomicUsize, label: &str) -> Result<ModelOutput, String> {
    calls.fetch_add(1, Ordering::SeqCst);
    Ok(output(label))
}

macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name("sqlite").await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$name("postgres").await
            }
        }
    };
}

on_both!(redelivery_replays_the_stored_decision);
async fn redelivery_replays_the_stored_decision(backend: &str) {
    let env = env(backend).await;
    let calls = AtomicUsize::new(0);
    let first = env
        .gate
        .process(&event("e1", "c:o:refund", "{}"), |_| {
            counted(&calls, "approve")
        })
        .await
        .unwrap();
    let Outcome::Decided(decided) = first else {
        panic!("expected a decision, got {first:?}")
    };

    // Redelivered: same id, then a new event id under the same logical key.
    env.clock.advance(1_000);
    let again = env
        .gate
        .process(&event("e1", "c:o:refund", "{}"), |_| {
            counted(&calls, "reject")
        })
        .await
        .unwrap();
    let other = env
        .gate
        .process(&event("e2", "c:o:refund", "{}"), |_| {
            counted(&calls, "reject")
        })
        .await
        .unwrap();

    assert_eq!(calls.load(Ordering::SeqCst), 1, "the model ran once");
    assert_eq!(
        again,
        Outcome::Duplicate {
            decision: decided.clone(),
            payload_matched: true
        }
    );
    assert_eq!(
        other,
        Outcome::Duplicate {
            decision: decided.clone(),
            payload_matched: true
        }
    );
    let key = env.store.dedup_key("c:o:refund").await.unwrap().unwrap();
    assert_eq!(key.hit_count, 2);
    assert_eq!(key.last_hit_at_us, Some(START_US + 1_000));
    assert_eq!(env.count("SELECT COUNT(*) FROM decisions").await, 1);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM duplicate_hits WHERE payload_matched = 1")
            .await,
        2
    );
    env.finish().await;
}

on_both!(changed_payload_under_same_key_is_a_mismatch);
async fn changed_payload_under_same_key_is_a_mismatch(backend: &str) {
    let env = env(backend).await;
    let calls = AtomicUsize::new(0);
    env.gate
        .process(&event("e1", "k", r#"{"amount":10}"#), |_| {
            counted(&calls, "approve")
        })
        .await
        .unwrap();
    let out = env
        .gate
        .process(&event("e9", "k", r#"{"amount":9999}"#), |_| {
            counted(&calls, "reject")
        })
        .await
        .unwrap();

    let Outcome::Duplicate {
        decision,
        payload_matched,
    } = out
    else {
        panic!("{out:?}")
    };
    assert!(!payload_matched);
    assert_eq!(
        decision.label.as_deref(),
        Some("approve"),
        "the original decision stands"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let stats = env.store.stats(env.clock.now_us()).await.unwrap();
    assert_eq!(
        (
            stats.decisions,
            stats.duplicate_hits,
            stats.mismatched_payloads
        ),
        (1, 1, 1)
    );
    env.finish().await;
}

on_both!(live_lease_blocks_and_expired_lease_is_reclaimed);
async fn live_lease_blocks_and_expired_lease_is_reclaimed(backend: &str) {
    let env = env(backend).await;
    let calls = AtomicUsize::new(0);

    // A worker claims the key and dies inside the model call: its future is dropped.
    let gate = env.gate.clone();
    let crashed = tokio::spawn(async move {
        gate.process(&event("e1", "k", "{}"), |_| std::future::pending())
            .await
    });
    while env.store.dedup_key("k").await.unwrap().is_none() {
        tokio::task::yield_now().await;
    }
    crashed.abort();
    assert!(crashed.await.unwrap_err().is_cancelled());

    // Within the lease: nobody infers again, and no half-written decision exists.
    let out = env
        .gate
        .process(&event("e1", "k", "{}"), |_| counted(&calls, "approve"))
        .await
        .unwrap();
    assert_eq!(
        out,
        Outcome::InProgress {
            lease_expires_at_us: START_US + LEASE_US
        }
    );
    assert_eq!(env.count("SELECT COUNT(*) FROM decisions").await, 0);
    assert_eq!(env.count("SELECT COUNT(*) FROM read_model").await, 0);

    // After the lease: claimed again and decided once.
    env.clock.advance(LEASE_US + 1);
    let out = env
        .gate
        .process(&event("e1", "k", "{}"), |_| counted(&calls, "approve"))
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Decided(_)), "{out:?}");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(env.count("SELECT COUNT(*) FROM decisions").await, 1);
    env.finish().await;
}

on_both!(racing_workers_make_one_decision_and_one_model_call);
async fn racing_workers_make_one_decision_and_one_model_call(backend: &str) {
    let env = env(backend).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let release = Arc::new(Notify::new());
    const WORKERS: usize = 8;

    // Every worker has its own connection from the pool; the winner's model call waits until
    // all the others have been turned away, so the race window is as wide as it can be.
    let mut handles = Vec::new();
    for i in 0..WORKERS {
        let (gate, calls, release) = (env.gate.clone(), calls.clone(), release.clone());
        handles.push(tokio::spawn(async move {
            let ev = event(&format!("e{i}"), "cust:order:approve", "{}");
            gate.process(&ev, |_| async move {
                calls.fetch_add(1, Ordering::SeqCst);
                release.notified().await;
                Ok(output("approve"))
            })
            .await
        }));
    }
    let mut outcomes = Vec::new();
    let mut pending = handles;
    while !pending.is_empty() {
        let (done, _, rest) = futures::future::select_all(pending).await;
        let out = done.unwrap().unwrap();
        outcomes.push(out);
        pending = rest;
        if outcomes.len() == WORKERS - 1 {
            release.notify_one();
        }
    }

    let decided = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Decided(_)))
        .count();
    let waiting = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::InProgress { .. }))
        .count();
    assert_eq!((decided, waiting), (1, WORKERS - 1));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(env.count("SELECT COUNT(*) FROM decisions").await, 1);
    env.finish().await;
}

on_both!(failed_model_call_releases_the_key);
async fn failed_model_call_releases_the_key(backend: &str) {
    let env = env(backend).await;
    let calls = AtomicUsize::new(0);
    let err = env
        .gate
        .process(&event("e1", "k", "{}"), |_| async {
            Err("model timed out".to_string())
        })
        .await;
    assert_eq!(
        err.unwrap_err().to_string(),
        "inference failed: model timed out"
    );
    assert!(env.store.dedup_key("k").await.unwrap().is_none());
    let out = env
        .gate
        .process(&event("e1", "k", "{}"), |_| counted(&calls, "approve"))
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Decided(_)));
    env.finish().await;
}

on_both!(malformed_output_is_stored_as_received);
async fn malformed_output_is_stored_as_received(backend: &str) {
    let env = env(backend).await;
    let raw = "I'd approve this one {\"label\": ";
    let out = env
        .gate
        .process(&event("e1", "k", "{}"), |_| async {
            Ok(ModelOutput {
                model: ModelId {
                    name: "m".into(),
                    version: "v2".into(),
                },
                raw_output: raw.into(),
            })
        })
        .await
        .unwrap();
    let Outcome::Decided(d) = out else { panic!() };
    let stored = env.store.decision(&d.decision_id).await.unwrap().unwrap();
    assert_eq!(stored.raw_output, raw);
    assert!(!stored.output_is_json);
    assert_eq!(stored.label, None);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM read_model").await,
        0,
        "no label, no state change"
    );
    env.finish().await;
}

on_both!(window_expiry_allows_a_new_inference);
async fn window_expiry_allows_a_new_inference(backend: &str) {
    let env = env(backend).await;
    let calls = AtomicUsize::new(0);
    env.gate
        .process(&event("e1", "k", "{}"), |_| counted(&calls, "approve"))
        .await
        .unwrap();
    env.clock.advance(32 * DAY_US);
    let out = env
        .gate
        .process(&event("e2", "k", "{}"), |_| counted(&calls, "reject"))
        .await
        .unwrap();
    assert!(
        matches!(out, Outcome::Decided(ref d) if d.label.as_deref() == Some("reject")),
        "{out:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    env.finish().await;
}

on_both!(decision_projection_saga_and_outbox_commit_together);
async fn decision_projection_saga_and_outbox_commit_together(backend: &str) {
    let env = env(backend).await;
    let calls = AtomicUsize::new(0);
    let Outcome::Decided(d) = env
        .gate
        .process(&event("e1", "k1", "{}"), |_| counted(&calls, "approve"))
        .await
        .unwrap()
    else {
        panic!()
    };
    env.gate
        .process(&event("e2", "k2", "{}"), |_| counted(&calls, "reject"))
        .await
        .unwrap();

    let row = env.store.read_model("claim-1").await.unwrap().unwrap();
    assert_eq!(row.state, r#"{"label":"reject","n":1}"#);
    assert_eq!(row.version, 2);
    let sagas = env.store.sagas_for_decision(&d.decision_id).await.unwrap();
    assert_eq!(sagas.len(), 1);
    assert_eq!(sagas[0].0.state, SagaState::Running);
    assert_eq!(
        sagas[0]
            .1
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>(),
        ["mark-approved", "schedule-payout"]
    );
    assert_eq!(
        env.count("SELECT COUNT(*) FROM outbox WHERE published_at_us IS NULL")
            .await,
        2
    );
    env.finish().await;
}

on_both!(lookup_returns_exactly_the_stored_decision);
async fn lookup_returns_exactly_the_stored_decision(backend: &str) {
    let env = env(backend).await;
    let calls = AtomicUsize::new(0);
    let Outcome::Decided(d) = env
        .gate
        .process(&event("evt-1", "cust-9:ord-4:refund", "{}"), |_| {
            counted(&calls, "approve")
        })
        .await
        .unwrap()
    else {
        panic!()
    };
    env.gate
        .process(&event("evt-2", "cust-9:ord-4:refund", "{}"), |_| {
            counted(&calls, "reject")
        })
        .await
        .unwrap();

    // The console's search and `verdict lookup` resolve the same needles to the same decision:
    // key, original event id, redelivered event id, entity key, decision id.
    for needle in [
        "cust-9:ord-4:refund",
        "evt-1",
        "evt-2",
        "claim-1",
        d.decision_id.as_str(),
    ] {
        let found = env.store.lookup(needle).await.unwrap();
        assert_eq!(found.as_ref(), Some(&d), "lookup {needle}");
        let searched = env.store.search_decisions(needle, 10).await.unwrap();
        let ids: Vec<&str> = searched.iter().map(|s| s.decision_id.as_str()).collect();
        assert_eq!(ids, [d.decision_id.as_str()], "search {needle}");
    }
    assert_eq!(env.store.lookup("nope").await.unwrap(), None);
    env.finish().await;
}

on_both!(missing_confidence_then_a_number_on_one_connection);
/// A decision with no confidence (NULL) followed by one with a confidence, on the same
/// pooled connection: the prepared insert must accept both.
async fn missing_confidence_then_a_number_on_one_connection(backend: &str) {
    let env = env(backend).await;
    let one = Store::connect(&env.url, 1).await.unwrap();
    let gate = Gate::new(
        one.clone(),
        Arc::new(env.clock.clone()),
        GateConfig::default(),
        Arc::new(ClaimProjector),
    );
    let raw = |r: &'static str| {
        move |_: &Event| async move {
            Ok(ModelOutput {
                model: ModelId {
                    name: "m".into(),
                    version: "v1".into(),
                },
                raw_output: r.into(),
            })
        }
    };
    gate.process(&event("e1", "k1", "{}"), raw("not json"))
        .await
        .unwrap();
    gate.process(
        &event("e2", "k2", "{}"),
        raw(r#"{"label":"approve","confidence":0.5}"#),
    )
    .await
    .unwrap();
    gate.process(&event("e3", "k3", "{}"), raw(r#"{"label":"reject"}"#))
        .await
        .unwrap();
    let confidences: Vec<(Option<f64>,)> =
        sqlx::query_as("SELECT confidence FROM decisions ORDER BY event_id")
            .fetch_all(one.pool())
            .await
            .unwrap();
    assert_eq!(confidences, [(None,), (Some(0.5),), (None,)]);
    one.pool().close().await;
    env.finish().await;
}
