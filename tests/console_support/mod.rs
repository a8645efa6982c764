//! Fixed console data for the headless tests: the same rows every run, so screens are stable.
#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use verdict::model::{
    Decision, DedupKey, DuplicateHit, KeyStatus, ModelId, Saga, SagaState, SagaStep,
    SourcePosition, StepStatus,
};
use verdict::store::{DecisionContext, DecisionSummary};
use verdict::ui::app::{App, Event};
use verdict::ui::poller::{OverviewSample, PollerMsg};
use verdict::ui::state::{ConsoleInfo, KafkaSource};

pub mod lag;
pub mod sagas;

/// 2026-05-28T20:26:40Z: every fixed time is relative to it.
pub const T0: i64 = 1_780_000_000_000_000;
pub const SECOND: i64 = 1_000_000;

pub fn info() -> ConsoleInfo {
    ConsoleInfo {
        backend: "postgres".into(),
        db_display: "postgres://verdict:***@db.internal:5432/verdict".into(),
        kafka: KafkaSource::Tailed {
            brokers: "kafka-1:9092,kafka-2:9092".into(),
        },
        operator: "alice".into(),
        read_only: true,
        poll_every: std::time::Duration::from_secs(1),
        lag_every: std::time::Duration::from_secs(5),
    }
}

/// Row `i` of the fixed log: newer rows have smaller `i`; every seventh output is not JSON.
pub fn summary(i: usize) -> DecisionSummary {
    let labels = ["approve", "reject", "escalate"];
    let raw = i % 7 == 3;
    DecisionSummary {
        decision_id: format!("0190f3a2-0000-7000-8000-{i:012}"),
        idempotency_key: format!("cust-{}:order-{}:refund", 100 + i % 13, 4200 + i),
        event_id: format!("evt-{}", 9000 + i),
        entity_key: format!("claim-{}", i % 5),
        model_version: if i.is_multiple_of(4) {
            "v3.1".into()
        } else {
            "v3".into()
        },
        label: (!raw).then(|| labels[i % 3].to_owned()),
        confidence: (!raw).then(|| 0.5 + (i % 50) as f64 / 100.0),
        output_is_json: !raw,
        decided_at_us: T0 - i as i64 * 1_250_000,
    }
}

pub fn rows(n: usize) -> Vec<DecisionSummary> {
    (0..n).map(summary).collect()
}

pub fn sample(at_us: i64, decisions: i64, hits: i64, in_flight: i64, stuck: i64) -> OverviewSample {
    OverviewSample {
        at_us,
        window_decisions: decisions,
        window_duplicate_hits: hits,
        sagas_in_flight: in_flight,
        sagas_stuck: stuck,
        sagas_failed: 1,
    }
}

/// An app that has been polled `polls` times, once a second, ending at `T0`.
pub fn polled_app(size: (u16, u16), polls: i64) -> App {
    let mut app = App::new(info(), T0 - polls * SECOND, size);
    app.handle(Event::Db(PollerMsg::Connected {
        at_us: T0 - polls * SECOND,
        display_url: info().db_display,
    }));
    for p in 0..polls {
        let at = T0 - (polls - 1 - p) * SECOND;
        let wave = p * 7 % 11;
        app.handle(Event::Db(PollerMsg::Overview(sample(
            at,
            40 + wave * 6,
            wave,
            3 + p % 4,
            p % 3,
        ))));
    }
    app.handle(Event::Db(PollerMsg::Tail {
        at_us: T0,
        rows: rows(60),
    }));
    app.handle(Event::Tick(T0 + 2 * SECOND));
    app
}

pub fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn press(app: &mut App, codes: &[KeyCode]) {
    for code in codes {
        app.handle(key(*code));
    }
}

/// The full context of row `i`, with duplicate hits and a saga half done.
pub fn context(i: usize) -> DecisionContext {
    let s = summary(i);
    let raw_output = if s.output_is_json {
        r#"{"label":"approve","confidence":0.93,"reason":"receipt matches order","refund":{"amount":42.5,"currency":"EUR"}}"#.to_owned()
    } else {
        "I think this refund should probably be approved, but the receipt is blurry.".to_owned()
    };
    let decision = Decision {
        decision_id: s.decision_id.clone(),
        idempotency_key: s.idempotency_key.clone(),
        event_id: s.event_id.clone(),
        source: Some(SourcePosition {
            topic: "claims.events".into(),
            partition: 3,
            offset: 118_204,
        }),
        entity_key: s.entity_key.clone(),
        model: ModelId {
            name: "claims-llm".into(),
            version: s.model_version.clone(),
        },
        raw_output,
        output_is_json: s.output_is_json,
        label: s.label.clone(),
        confidence: s.confidence,
        inference_latency_us: 812_000,
        decided_at_us: s.decided_at_us,
    };
    let hit = |n: i64, matched: bool| DuplicateHit {
        hit_id: format!("hit-{n}"),
        idempotency_key: s.idempotency_key.clone(),
        event_id: format!("evt-redelivered-{n}"),
        decision_id: s.decision_id.clone(),
        delivered_at_us: s.decided_at_us + n * SECOND / 4,
        payload_hash: "ab12".into(),
        payload_matched: matched,
    };
    let saga = Saga {
        saga_id: "saga-0001".into(),
        saga_type: "refund".into(),
        entity_key: s.entity_key.clone(),
        decision_id: s.decision_id.clone(),
        state: SagaState::Running,
        current_step: 1,
        version: 2,
        started_at_us: s.decided_at_us,
        updated_at_us: s.decided_at_us + SECOND,
        deadline_at_us: s.decided_at_us + 300 * SECOND,
    };
    let step = |index: i64, name: &str, undo: &str, status: StepStatus| SagaStep {
        saga_id: "saga-0001".into(),
        step_index: index,
        name: name.into(),
        status,
        compensation: undo.into(),
        attempts: 1,
        last_error: None,
        started_at_us: Some(s.decided_at_us),
        updated_at_us: s.decided_at_us,
    };
    DecisionContext {
        dedup_key: Some(DedupKey {
            idempotency_key: s.idempotency_key.clone(),
            status: KeyStatus::Completed,
            lease_expires_at_us: None,
            payload_hash: "ab12".into(),
            decision_id: Some(s.decision_id.clone()),
            first_seen_at_us: s.decided_at_us,
            last_hit_at_us: Some(s.decided_at_us + 60 * SECOND),
            hit_count: 2,
            expires_at_us: s.decided_at_us + 32 * 86_400 * SECOND,
        }),
        duplicate_hits: vec![hit(2, false), hit(1, true)],
        sagas: vec![(
            saga,
            vec![
                step(0, "mark-approved", "unmark-approved", StepStatus::Done),
                step(1, "schedule-payout", "cancel-payout", StepStatus::Pending),
            ],
        )],
        read_model: None,
        decision,
    }
}
