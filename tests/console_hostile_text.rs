//! Text from the database and the brokers that carries terminal control sequences: it is
//! kept in console state escaped (`\u{1b}`), and the screens drawn from it keep their frame.

mod console_support;

use std::sync::Arc;

use console_support::lag::snapshot;
use console_support::{context, polled_app, press, summary, SECOND, T0};
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use verdict::kafka::lag::LagSnapshot;
use verdict::ui::app::{App, Event};
use verdict::ui::lag::LagMsg;
use verdict::ui::poller::PollerMsg;
use verdict::ui::state::Load;
use verdict::ui::theme::Theme;
use verdict::ui::views;

const CLEAR_RED: &str = "\x1b[2J\x1b[31mRED";
const CLEAR_RED_SHOWN: &str = r"\u{1b}[2J\u{1b}[31mRED";

/// A tail whose newest row has escape sequences in its label and keys.
fn hostile_tail() -> Vec<verdict::store::DecisionSummary> {
    let mut rows: Vec<_> = (0..10).map(summary).collect();
    rows[0].label = Some(format!("\x1b[41m{}", "approve"));
    rows[0].idempotency_key = format!("key{CLEAR_RED}");
    rows[0].entity_key = "claim\r\x07\u{9b}2J".into();
    rows
}

fn hostile_context() -> Box<verdict::store::DecisionContext> {
    let mut ctx = context(3);
    ctx.decision.raw_output = format!("line one\n{CLEAR_RED}\nline three\x1b]0;pwned\x07");
    ctx.sagas[0].1[0].last_error = Some(format!("payout API said {CLEAR_RED}"));
    Box::new(ctx)
}

fn hostile_snapshot() -> Arc<LagSnapshot> {
    let mut snap = LagSnapshot::clone(&snapshot(1, T0, 0, None));
    let group = &mut snap.groups[0];
    group.name = format!("grp{CLEAR_RED}");
    group.members = vec![console_support::lag::member(1)];
    group.members[0].host = "/10.0.0.1\x1b[H".into();
    group.partitions[0].topic = "top\x1bic".into();
    group.partitions[0].reason = format!("reason {CLEAR_RED}");
    Arc::new(snap)
}

fn app_with_hostile_data(size: (u16, u16)) -> App {
    let mut app = polled_app(size, 5);
    app.handle(Event::Db(PollerMsg::Tail {
        at_us: T0 + SECOND,
        rows: hostile_tail(),
    }));
    app.handle(Event::Lag(LagMsg::Snapshot(hostile_snapshot())));
    app
}

fn screen(app: &App) -> String {
    let (cols, rows) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(cols, rows)).expect("test terminal");
    terminal
        .draw(|frame| views::draw(frame, app, &Theme::default()))
        .expect("draw");
    let text = terminal.backend().to_string();
    assert!(
        !text.contains(|c: char| c.is_control() && c != '\n'),
        "{text:?}"
    );
    text
}

#[test]
fn poller_and_tailer_text_is_kept_escaped() {
    let mut app = app_with_hostile_data((80, 24));
    let row = &app.list.rows[0];
    assert_eq!(row.label.as_deref(), Some(r"\u{1b}[41mapprove"));
    assert_eq!(row.idempotency_key, format!("key{CLEAR_RED_SHOWN}"));
    assert_eq!(row.entity_key, r"claim\r\u{7}\u{9b}2J");

    let group = &app.lag.snapshot().groups[0];
    assert_eq!(group.name, format!("grp{CLEAR_RED_SHOWN}"));
    assert_eq!(group.members[0].host, r"/10.0.0.1\u{1b}[H");
    assert_eq!(group.partitions[0].topic, r"top\u{1b}ic");
    assert_eq!(
        group.partitions[0].reason,
        format!("reason {CLEAR_RED_SHOWN}")
    );

    press(&mut app, &[KeyCode::Char('2'), KeyCode::Enter]);
    let decision_id = app.list.rows[0].decision_id.clone();
    app.handle(Event::Db(PollerMsg::Detail {
        decision_id,
        result: Ok(Some(hostile_context())),
    }));
    let Some(Load::Ready { value, .. }) = app.detail.as_ref().map(|d| &d.context) else {
        panic!("detail not loaded");
    };
    assert_eq!(
        value.decision.raw_output,
        format!("line one\n{CLEAR_RED_SHOWN}\nline three\\u{{1b}}]0;pwned\\u{{7}}")
    );
    let error = value.sagas[0].1[0].last_error.as_deref();
    assert_eq!(
        error,
        Some(format!("payout API said {CLEAR_RED_SHOWN}").as_str())
    );
}

#[test]
fn screens_show_the_escaped_form_inside_an_intact_frame() {
    let mut app = app_with_hostile_data((80, 24));
    press(&mut app, &[KeyCode::Char('2')]);
    let list = screen(&app);
    assert!(list.contains(r"key\u{1b…"), "{list}");
    insta::assert_snapshot!("hostile_decisions_80x24", list);

    press(&mut app, &[KeyCode::Enter]);
    let decision_id = app.list.rows[0].decision_id.clone();
    app.handle(Event::Db(PollerMsg::Detail {
        decision_id,
        result: Ok(Some(hostile_context())),
    }));
    let detail = screen(&app);
    assert!(detail.contains(CLEAR_RED_SHOWN), "{detail}");
    insta::assert_snapshot!("hostile_detail_80x24", detail);

    press(
        &mut app,
        &[KeyCode::Esc, KeyCode::Char('3'), KeyCode::Enter],
    );
    let partitions = screen(&app);
    assert!(partitions.contains(r"top\u{1b}ic"), "{partitions}");
    insta::assert_snapshot!("hostile_partitions_80x24", partitions);
}
