//! The console's `update` for consumer lag, driven headless: lag tailer messages and keys in,
//! Lag view state out.

mod console_support;

use std::sync::Arc;

use console_support::lag::{claims_agents, lag_app, snapshot, REFRESH_S};
use console_support::{key, polled_app, press, SECOND, T0};
use crossterm::event::KeyCode;
use verdict::kafka::lag::LagSnapshot;
use verdict::ui::action::View;
use verdict::ui::app::Event;
use verdict::ui::keymap::Mode;
use verdict::ui::lag::{LagMsg, GROUP_HISTORY, MAX_TRACKED_GROUPS};
use verdict::ui::state::KafkaState;

fn names(app: &verdict::ui::app::App) -> Vec<String> {
    app.lag.visible().iter().map(|g| g.name.clone()).collect()
}

#[test]
fn key_3_shows_the_lag_view_and_tab_cycles_through_it() {
    let mut app = polled_app((80, 24), 1);
    press(&mut app, &[KeyCode::Char('3')]);
    assert_eq!((app.view, app.mode()), (View::Lag, Mode::Lag));
    press(&mut app, &[KeyCode::Tab]);
    assert_eq!(app.view, View::Sagas);
    press(&mut app, &[KeyCode::BackTab]);
    assert_eq!(app.view, View::Lag);
}

#[test]
fn a_snapshot_sets_the_rows_the_source_state_and_the_total_lag_history() {
    let mut app = polled_app((80, 24), 1);
    assert_eq!(app.kafka, KafkaState::Connecting);
    let first = snapshot(1, T0, 0, None);
    assert!(app.handle(Event::Lag(LagMsg::Snapshot(first))));
    assert_eq!(app.kafka, KafkaState::Connected { last_ok_us: T0 });
    assert_eq!(
        names(&app),
        ["payouts", "claims-agents", "fraud-scoring", "notifications"]
    );
    // payouts 1020 + 500, claims-agents 280 + 12 + 10, fraud-scoring 88.
    assert_eq!(app.history.lag.latest(1), vec![1_910]);

    // The cluster stops answering: rows stay, marked by the state; no history is added.
    let mut stale = (*snapshot(2, T0 + 5 * SECOND, 0, None)).clone();
    stale.error = Some("cannot read metadata: BrokerTransportFailure".into());
    app.handle(Event::Lag(LagMsg::Snapshot(Arc::new(stale))));
    assert_eq!(
        app.kafka,
        KafkaState::Unreachable {
            last_ok_us: Some(T0),
            error: "cannot read metadata: BrokerTransportFailure".into()
        }
    );
    assert_eq!(app.history.lag.len(), 1);
    assert_eq!(app.lag.snapshot().generation, 2);

    app.handle(Event::Lag(LagMsg::Stopped {
        error: "the lag tailer ended".into(),
    }));
    assert_eq!(app.kafka.error(), Some("the lag tailer ended"));
}

#[test]
fn the_empty_snapshot_before_the_first_refresh_is_ignored() {
    let mut app = polled_app((80, 24), 1);
    app.handle(Event::Lag(LagMsg::Snapshot(Arc::new(
        LagSnapshot::default(),
    ))));
    assert_eq!(app.kafka, KafkaState::Connecting);
    assert!(!app.lag.is_loaded());
    assert!(app.history.lag.is_empty());
}

#[test]
fn enter_drills_into_the_selected_group_and_esc_backs_out() {
    let mut app = lag_app((80, 24), 3);
    press(
        &mut app,
        &[KeyCode::Char('3'), KeyCode::Down, KeyCode::Down],
    );
    assert_eq!(app.lag.selected.as_deref(), Some("claims-agents"));
    press(&mut app, &[KeyCode::Enter, KeyCode::Down, KeyCode::Down]);
    let partition = app.lag.selected_partition().expect("drilled in");
    assert_eq!(
        (partition.topic.as_str(), partition.partition),
        ("claims", 2)
    );
    assert_ne!(partition.lag, partition.lag_read_committed);

    // Moving past the end stays on the last partition; Home goes back to the first.
    press(&mut app, &[KeyCode::PageDown]);
    assert_eq!(app.lag.drill.as_ref().map(|d| d.selected), Some(3));
    press(&mut app, &[KeyCode::Char('g')]);
    assert_eq!(app.lag.drill.as_ref().map(|d| d.selected), Some(0));

    press(&mut app, &[KeyCode::Esc]);
    assert_eq!(app.lag.drill, None);
    assert_eq!(app.lag.selected.as_deref(), Some("claims-agents"));
    assert_eq!(app.view, View::Lag);
}

#[test]
fn the_selection_follows_its_group_when_the_order_changes() {
    let mut app = lag_app((80, 24), 1);
    press(
        &mut app,
        &[KeyCode::Char('3'), KeyCode::Down, KeyCode::Down],
    );
    assert_eq!(app.lag.selected_index(), 2);
    assert_eq!(app.lag.selected.as_deref(), Some("claims-agents"));

    // fraud-scoring goes stale (ERR sorts first): claims-agents moves down a row.
    let stale_since = Some(T0 - 40 * SECOND);
    app.handle(Event::Lag(LagMsg::Snapshot(snapshot(
        2,
        T0 + SECOND,
        0,
        stale_since,
    ))));
    assert_eq!(names(&app)[0], "fraud-scoring");
    assert_eq!(app.lag.selected.as_deref(), Some("claims-agents"));
    assert_eq!(app.lag.selected_index(), 2);
}

#[test]
fn slash_filters_groups_as_typed_enter_keeps_it_and_esc_clears_it() {
    let mut app = lag_app((80, 24), 2);
    press(&mut app, &[KeyCode::Char('3'), KeyCode::Char('/')]);
    assert_eq!(app.mode(), Mode::Filter);
    press(&mut app, &[KeyCode::Char('A'), KeyCode::Char('q')]);
    assert!(!app.should_quit, "q is typed into the filter");
    assert_eq!(app.lag.filter, "Aq");
    assert!(names(&app).is_empty());
    press(&mut app, &[KeyCode::Backspace, KeyCode::Char('g')]);
    assert_eq!(names(&app), ["claims-agents"], "case is ignored");

    press(&mut app, &[KeyCode::Enter]);
    assert_eq!((app.mode(), app.lag.filter.as_str()), (Mode::Lag, "Ag"));
    press(&mut app, &[KeyCode::Enter]);
    assert_eq!(
        app.lag.drill.as_ref().map(|d| d.group.as_str()),
        Some("claims-agents")
    );

    // Esc closes the partitions, then clears the filter.
    press(&mut app, &[KeyCode::Esc]);
    assert_eq!(names(&app), ["claims-agents"]);
    press(&mut app, &[KeyCode::Esc]);
    assert_eq!(names(&app).len(), 4);

    // Esc while typing drops what was typed.
    press(
        &mut app,
        &[KeyCode::Char('/'), KeyCode::Char('p'), KeyCode::Esc],
    );
    assert_eq!((app.mode(), names(&app).len()), (Mode::Lag, 4));
}

#[test]
fn slash_searches_decisions_outside_the_lag_view() {
    let mut app = lag_app((80, 24), 1);
    press(&mut app, &[KeyCode::Char('/')]);
    assert_eq!((app.view, app.mode()), (View::Decisions, Mode::Search));
    assert!(!app.lag.filtering);
}

#[test]
fn group_histories_stay_bounded_and_forget_vanished_groups() {
    let mut app = polled_app((80, 24), 1);
    let refreshes = GROUP_HISTORY as i64 + 30;
    for i in 0..refreshes {
        let at = T0 + i * REFRESH_S * SECOND;
        app.handle(Event::Lag(LagMsg::Snapshot(snapshot(
            i as u64 + 1,
            at,
            i,
            None,
        ))));
    }
    let ring = app.lag.history.get("claims-agents").expect("tracked");
    assert_eq!(ring.len(), GROUP_HISTORY);
    let newest = claims_agents(refreshes - 1).total_lag;
    assert_eq!(ring.latest(1), vec![newest]);
    assert_eq!(app.lag.history.len(), 4);

    // payouts is deleted: its history goes with it.
    let mut next = (*snapshot(
        refreshes as u64 + 1,
        T0 + refreshes * REFRESH_S * SECOND,
        0,
        None,
    ))
    .clone();
    next.groups.retain(|g| g.name != "payouts");
    app.handle(Event::Lag(LagMsg::Snapshot(Arc::new(next.clone()))));
    assert!(app.lag.history.get("payouts").is_none());
    assert_eq!(app.lag.history.len(), 3);

    // Far more groups than tracked: only the first (worst) ones keep a history.
    let template = next.groups[0].clone();
    next.groups = (0..MAX_TRACKED_GROUPS + 100)
        .map(|i| {
            let mut g = template.clone();
            g.name = format!("group-{i:04}");
            g
        })
        .collect();
    next.generation += 1;
    app.handle(Event::Lag(LagMsg::Snapshot(Arc::new(next))));
    assert_eq!(app.lag.history.len(), MAX_TRACKED_GROUPS);
    assert!(app.lag.history.get("group-0000").is_some());
    assert!(app.lag.history.get("group-0599").is_none());
}

#[test]
fn a_lag_message_never_needs_a_key_to_show() {
    let mut app = lag_app((80, 24), 1);
    let redraw = app.handle(key(KeyCode::Char('z')));
    assert!(!redraw, "an unbound key changes nothing");
    let redraw = app.handle(Event::Lag(LagMsg::Snapshot(snapshot(
        9,
        T0 + SECOND,
        7,
        None,
    ))));
    assert!(redraw);
}
