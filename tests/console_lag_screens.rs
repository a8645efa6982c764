//! Whole-screen snapshots of the Lag view and the Overview's lag figure, from fixed lag
//! snapshots (see `console_support::lag`): every time derives from `T0`, so nothing needs
//! filtering. Read a changed `.snap` before accepting it.

mod console_support;

use std::sync::Arc;

use console_support::lag::lag_app;
use console_support::{press, SECOND, T0};
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use verdict::ui::app::{App, Event};
use verdict::ui::lag::LagMsg;
use verdict::ui::theme::Theme;
use verdict::ui::views;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

/// Refreshes fed before each screen: enough for a sparkline.
const REFRESHES: i64 = 20;

fn screen(app: &App) -> String {
    let (cols, rows) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(cols, rows)).expect("test terminal");
    terminal
        .draw(|frame| views::draw(frame, app, &Theme::default()))
        .expect("draw");
    terminal.backend().to_string()
}

#[test]
fn group_list() {
    for size in SIZES {
        let mut app = lag_app(size, REFRESHES);
        press(
            &mut app,
            &[KeyCode::Char('3'), KeyCode::Down, KeyCode::Down],
        );
        let text = screen(&app);
        assert!(text.contains("STALE 44s"), "{text}");
        insta::assert_snapshot!(format!("lag_groups_{}x{}", size.0, size.1), text);
    }
}

#[test]
fn partition_drill_down() {
    for size in SIZES {
        let mut app = lag_app(size, REFRESHES);
        press(
            &mut app,
            &[
                KeyCode::Char('3'),
                KeyCode::Down,
                KeyCode::Enter,
                KeyCode::Down,
            ],
        );
        let text = screen(&app);
        assert!(text.contains("unowned"), "{text}");
        assert!(text.contains("no commit"), "{text}");
        insta::assert_snapshot!(format!("lag_partitions_{}x{}", size.0, size.1), text);
    }
}

#[test]
fn drill_down_of_a_group_with_an_open_transaction() {
    let mut app = lag_app((160, 48), REFRESHES);
    press(
        &mut app,
        &[KeyCode::Char('3'), KeyCode::Down, KeyCode::Down],
    );
    press(&mut app, &[KeyCode::Enter, KeyCode::Down, KeyCode::Down]);
    let text = screen(&app);
    assert!(
        text.contains("10 records blocked by an open transaction"),
        "{text}"
    );
    insta::assert_snapshot!("lag_partitions_open_txn_160x48", text);
}

#[test]
fn filter_input_and_filtered_list() {
    let mut app = lag_app((80, 24), REFRESHES);
    press(&mut app, &[KeyCode::Char('3'), KeyCode::Char('/')]);
    for c in "claims".chars() {
        press(&mut app, &[KeyCode::Char(c)]);
    }
    insta::assert_snapshot!("lag_filter_80x24", screen(&app));
}

#[test]
fn overview_with_a_lag_figure() {
    for size in SIZES {
        let app = lag_app(size, REFRESHES);
        let text = screen(&app);
        assert!(text.contains("consumer lag"), "{text}");
        insta::assert_snapshot!(format!("overview_lag_{}x{}", size.0, size.1), text);
    }
}

#[test]
fn unreachable_cluster_in_header_status_line_and_list() {
    let mut app = lag_app((80, 24), REFRESHES);
    let mut stale = (*app.lag.snapshot()).clone();
    let error = "cannot read metadata from kafka-1:9092 within 3000 ms: BrokerTransportFailure";
    stale.error = Some(error.into());
    stale.generation += 1;
    stale.taken_at_us = T0 + 30 * SECOND;
    for g in &mut stale.groups {
        g.error.get_or_insert_with(|| error.into());
    }
    app.handle(Event::Lag(LagMsg::Snapshot(Arc::new(stale))));
    press(&mut app, &[KeyCode::Char('3')]);
    let text = screen(&app);
    assert!(text.contains("UNREACHABLE"), "{text}");
    assert!(
        text.contains("kafka unreachable: cannot read metadata"),
        "{text}"
    );
    insta::assert_snapshot!("lag_unreachable_80x24", text);
}

#[test]
fn help_in_the_lag_view_lists_its_keys() {
    let mut app = lag_app((80, 24), 2);
    press(&mut app, &[KeyCode::Char('3'), KeyCode::Char('?')]);
    let text = screen(&app);
    assert!(text.contains("filter consumer groups by name"), "{text}");
    insta::assert_snapshot!("lag_help_80x24", text);
}

#[test]
fn without_brokers_the_lag_title_says_so_rather_than_loading() {
    let mut app = console_support::polled_app((80, 24), 3);
    app.info.kafka = verdict::ui::state::KafkaSource::NoBrokers;
    press(&mut app, &[KeyCode::Char('3')]);
    let text = screen(&app);
    assert!(
        text.contains("Consumer lag · no brokers configured"),
        "{text}"
    );
    assert!(!text.contains("loading"), "{text}");
}
