//! Fixed Sagas pages for the console tests: stuck sagas, sagas in flight and failed ones,
//! every time relative to `T0`.
#![allow(dead_code)]

use verdict::model::{Saga, SagaState, SagaStep, StepStatus};
use verdict::store::sagas_view::{SagaRow, SagaSection};
use verdict::ui::app::{App, Event};
use verdict::ui::poller::PollerMsg;

use super::{polled_app, press, SECOND, T0};

pub fn saga(n: usize, state: SagaState, started_s_ago: i64, deadline_s: i64) -> Saga {
    let started = T0 - started_s_ago * SECOND;
    Saga {
        saga_id: format!("0190f3b1-0000-7000-8000-{n:012}"),
        saga_type: if n.is_multiple_of(2) {
            "refund"
        } else {
            "chargeback-review"
        }
        .into(),
        entity_key: format!("claim-{}", 4000 + n),
        decision_id: format!("0190f3a2-0000-7000-8000-{n:012}"),
        state,
        current_step: 1,
        version: 3,
        started_at_us: started,
        updated_at_us: started + 20 * SECOND,
        deadline_at_us: started + deadline_s * SECOND,
    }
}

fn row(section: SagaSection, saga: Saga, step: &str) -> SagaRow {
    SagaRow {
        section,
        saga,
        step_name: Some(step.into()),
    }
}

/// One page: two stuck (oldest deadline first), two in flight, two failed.
pub fn page() -> Vec<SagaRow> {
    use SagaSection::{Failed, InFlight, Stuck};
    vec![
        row(
            Stuck,
            saga(1, SagaState::Running, 3_600, 300),
            "schedule-payout",
        ),
        row(
            Stuck,
            saga(2, SagaState::Compensating, 900, 600),
            "unmark-approved",
        ),
        row(
            InFlight,
            saga(3, SagaState::Running, 40, 300),
            "mark-approved",
        ),
        row(
            InFlight,
            saga(4, SagaState::Running, 10, 300),
            "notify-customer",
        ),
        row(
            Failed,
            saga(5, SagaState::CompensationFailed, 7_200, 300),
            "cancel-payout",
        ),
        row(
            Failed,
            saga(6, SagaState::Failed, 5_000, 300),
            "schedule-payout",
        ),
    ]
}

/// The steps of saga 1: one done, one pending that has failed twice.
pub fn steps(n: usize) -> Vec<SagaStep> {
    let s = saga(n, SagaState::Running, 3_600, 300);
    let step =
        |index: i64, name: &str, undo: &str, status, attempts, error: Option<&str>| SagaStep {
            saga_id: s.saga_id.clone(),
            step_index: index,
            name: name.into(),
            status,
            compensation: undo.into(),
            attempts,
            last_error: error.map(Into::into),
            started_at_us: Some(s.started_at_us + index * SECOND),
            updated_at_us: s.started_at_us + (index + 20) * SECOND,
        };
    vec![
        step(
            0,
            "mark-approved",
            "unmark-approved",
            StepStatus::Done,
            1,
            None,
        ),
        step(
            1,
            "schedule-payout",
            "cancel-payout",
            StepStatus::Pending,
            2,
            Some("payments API: 503 Service Unavailable"),
        ),
    ]
}

/// The console on the Sagas view with the fixed page loaded.
pub fn sagas_app(size: (u16, u16)) -> App {
    let mut app = polled_app(size, 5);
    press(&mut app, &[crossterm::event::KeyCode::Char('4')]);
    app.handle(Event::Db(PollerMsg::Sagas {
        after: None,
        at_us: T0,
        result: Ok(page()),
    }));
    app
}
