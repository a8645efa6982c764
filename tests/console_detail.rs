//! The decision detail pane: scrolling stops at the end of its content, the saga part is
//! refreshed after each poll without losing the scroll, and a huge output is laid out once
//! and capped.

mod console_support;

use console_support::{context, polled_app, press, sample, summary, SECOND, T0};
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use verdict::model::StepStatus;
use verdict::ui::app::{App, Event};
use verdict::ui::detail::MAX_OUTPUT_ROWS;
use verdict::ui::poller::{PollerMsg, Request};
use verdict::ui::state::Load;
use verdict::ui::theme::Theme;
use verdict::ui::views;

fn screen(app: &App) -> String {
    let (cols, rows) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(cols, rows)).expect("test terminal");
    terminal
        .draw(|frame| views::draw(frame, app, &Theme::default()))
        .expect("draw");
    terminal.backend().to_string()
}

/// The detail of row `row` open, its output replaced by `output` when given.
fn detail_app(size: (u16, u16), row: usize, output: Option<String>) -> App {
    let mut app = polled_app(size, 5);
    press(&mut app, &[KeyCode::Char('2')]);
    for _ in 0..row {
        press(&mut app, &[KeyCode::Down]);
    }
    press(&mut app, &[KeyCode::Enter]);
    let mut ctx = context(row);
    if let Some(output) = output {
        ctx.decision.raw_output = output;
    }
    app.handle(Event::Db(PollerMsg::Detail {
        decision_id: summary(row).decision_id,
        result: Ok(Some(Box::new(ctx))),
    }));
    app
}

fn scroll(app: &App) -> u16 {
    app.detail.as_ref().map_or(0, |d| d.scroll)
}

/// The last row inside the pane's frame (the row above its bottom border).
fn last_pane_row(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len() - 4].to_owned()
}

#[test]
fn scrolling_stops_at_the_last_row_and_end_goes_there() {
    let lines: String = (1..=60).map(|i| format!("line {i}\n")).collect();
    let mut app = detail_app((80, 24), 3, Some(lines));
    press(&mut app, &[KeyCode::End]);
    let bottom = scroll(&app);
    assert!(bottom > 0);
    assert!(last_pane_row(&screen(&app)).contains("line 60"));

    // Further down moves nothing: no blank space below the content.
    press(
        &mut app,
        &[KeyCode::PageDown, KeyCode::Char('j'), KeyCode::Down],
    );
    assert_eq!(scroll(&app), bottom);
    assert!(last_pane_row(&screen(&app)).contains("line 60"));

    press(&mut app, &[KeyCode::Char('g')]);
    assert_eq!(scroll(&app), 0);
    press(&mut app, &[KeyCode::Char('G')]);
    assert_eq!(scroll(&app), bottom);
}

#[test]
fn each_poll_refreshes_the_sagas_and_keeps_the_scroll() {
    let mut app = detail_app((80, 24), 1, None);
    press(&mut app, &[KeyCode::Char('j'), KeyCode::Char('j')]);
    app.requests.clear();
    let id = summary(1).decision_id;

    app.handle(Event::Db(PollerMsg::Overview(sample(
        T0 + SECOND,
        1,
        0,
        1,
        0,
    ))));
    let want = Request::DetailSagas {
        decision_id: id.clone(),
    };
    assert_eq!(app.requests, vec![want]);

    let mut sagas = context(1).sagas;
    sagas[0].1[1].status = StepStatus::Done;
    app.handle(Event::Db(PollerMsg::DetailSagas {
        decision_id: id,
        result: Ok(sagas),
    }));
    let detail = app.detail.as_ref().expect("open");
    let Load::Ready { value, .. } = &detail.context else {
        panic!("not loaded");
    };
    assert_eq!(value.sagas[0].1[1].status, StepStatus::Done);
    assert_eq!(detail.scroll, 2);
}

#[test]
fn a_two_megabyte_output_is_laid_out_once_and_capped() {
    let line = format!("{}\n", "x".repeat(99));
    let output = line.repeat(20_000);
    assert_eq!(output.len(), 2_000_000);
    let mut app = detail_app((80, 24), 3, Some(output));
    let rows = app.detail.as_ref().map(|d| d.output.rows.len());
    assert_eq!(rows, Some(MAX_OUTPUT_ROWS));

    // A resize lays it out again for the new width; draws only read it.
    app.handle(Event::Resize(160, 48));
    let output = &app.detail.as_ref().expect("open").output;
    assert_eq!((output.width, output.rows.len()), (158, MAX_OUTPUT_ROWS));
    assert_eq!(output.more_lines, 20_000 - MAX_OUTPUT_ROWS);

    press(&mut app, &[KeyCode::End]);
    let text = screen(&app);
    let note = format!(
        "… {} more lines; `verdict lookup {}",
        20_000 - MAX_OUTPUT_ROWS,
        summary(3).decision_id
    );
    assert!(last_pane_row(&text).contains(&note), "{text}");
}
